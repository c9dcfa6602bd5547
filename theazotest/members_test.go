package theazotest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnknownExtrasAreRecorded: a header, query parameter and body member
// the API does not know are accepted and recorded as sent.
func TestUnknownExtrasAreRecorded(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	r := a.do("POST", "/sessions?beta=1", map[string]any{"userId": "u", "region": map[string]any{"name": "eu"}}, "X-Tenant", "t_1")
	require.Equal(t, 201, r.status, "unknown extras are ignored: %s", r.raw)
	a.do("GET", "/usage/summary", nil)

	reqs := a.srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "t_1", reqs[0].Header.Get("X-Tenant"))
	assert.Equal(t, "1", reqs[0].Query.Get("beta"))
	got, ok := reqs[0].BodyMember("region")
	require.True(t, ok)
	assert.JSONEq(t, `{"name":"eu"}`, string(got))
	_, ok = reqs[0].BodyMember("nickname")
	assert.False(t, ok, "a member not sent")
	_, ok = reqs[1].BodyMember("region")
	assert.False(t, ok, "a request without a body")
}
