package theazo

// WorkflowsService manages workflows (multi-step agent graphs) and their runs.
type WorkflowsService struct{ t *transport }
