package theazo

// ProvidersService configures the compute providers agents run on.
type ProvidersService struct{ t *transport }
