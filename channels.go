package theazo

// ChannelsService manages embeddable chat channels and their public endpoints.
type ChannelsService struct{ t *transport }
