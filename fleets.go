package theazo

// FleetsService runs one agent definition over many tasks at once.
type FleetsService struct{ t *transport }
