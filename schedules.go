package theazo

// SchedulesService manages cron schedules that run agents or workflows.
type SchedulesService struct{ t *transport }
