package theazo

// DefinitionsService manages agent definitions: reusable, versioned templates.
type DefinitionsService struct{ t *transport }
