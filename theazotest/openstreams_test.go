package theazotest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOpenStreams(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	id := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
	assert.Equal(t, 0, a.srv.OpenStreams())
	s := a.open("/agents/" + id + "/stream")
	eventually(t, func() bool { return a.srv.OpenStreams() == 1 }, "one stream open")
	a.must(202, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})
	assert.Equal(t, []string{"thinking", "tool_call", "tool_result", "output"}, types(s.rest()))
	eventually(t, func() bool { return a.srv.OpenStreams() == 0 }, "the stream ended with the run")

	s = a.open("/agents/" + id + "/stream")
	eventually(t, func() bool { return a.srv.OpenStreams() == 1 }, "one stream open")
	s.resp.Body.Close() // the client leaves
	eventually(t, func() bool { return a.srv.OpenStreams() == 0 }, "the server sees the client leave")
}
