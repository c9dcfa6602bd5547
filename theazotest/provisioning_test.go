package theazotest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/theazo/theazo-go/theazotest"
)

func TestProvisioning(t *testing.T) {
	a := newAPI(t, theazotest.WithProvisioning(100*time.Millisecond))
	ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	agt := a.must(201, "POST", "/sessions/"+ses+"/agents", nil)
	id := agt.str("id")
	assert.Equal(t, "provisioning", agt.str("status"))
	assert.Equal(t, "conflict", a.must(409, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"}).str("error.code"))
	assert.Equal(t, "conflict", a.must(409, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "bash", "code": "echo hi"}).str("error.code"))
	eventually(t, func() bool { return a.must(200, "GET", "/agents/"+id, nil).str("status") == "idle" }, "the agent turns idle")
	a.must(202, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})

	// Terminated while provisioning: it stays terminated.
	other := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
	a.must(200, "POST", "/agents/"+other+"/terminate", nil)
	time.Sleep(150 * time.Millisecond)
	assert.Equal(t, "terminated", a.must(200, "GET", "/agents/"+other, nil).str("status"))
}

func TestOpenStreams(t *testing.T) {
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
