package theazo

// SecretsService stores encrypted secrets that agents read at runtime.
type SecretsService struct{ t *transport }
