// Package contract checks the SDK's requests against testdata/openapi.yaml
// as served by Steady (https://github.com/dgellow/steady), an OpenAPI mock
// server that validates each request against the document and says so in
// X-Steady-* response headers. An Observer, the http.RoundTripper of the
// SDK's client, records every HTTP attempt with those headers: retries and
// stream reconnections included, and the request as it went on the wire,
// which WithResponseInto (the final reply only) does not show; an Env holds
// what the document says of each operation and which operations and fields
// the suite sent.
//
// The suite of every service is in this package's tests; the canary, which
// sends deliberately invalid requests through the SDK's unexported request
// path, is in the root package (contract_test.go). Both are built only
// with -tags contract and skip themselves unless THEAZO_CONTRACT_URL (and
// THEAZO_CONTRACT_CANARY_URL) names a server root, e.g.
// http://127.0.0.1:4010; scripts/contract starts Steady and runs them.
package contract
