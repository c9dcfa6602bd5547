package theazo

// WithTestReconnectWait is withReconnectWait for the tests of package
// theazo_test, which run against theazotest: every wait before a stream
// reconnects is d.
var WithTestReconnectWait = withReconnectWait
