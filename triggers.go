package theazo

// TriggersService manages webhook triggers and fires them.
type TriggersService struct{ t *transport }
