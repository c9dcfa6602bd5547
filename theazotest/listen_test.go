package theazotest_test

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/theazotest"
)

func TestWithListenerServesOnTheGivenAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a := newAPI(t, theazotest.WithListener(l))
	assert.Equal(t, "http://"+l.Addr().String()+"/v1", a.srv.URL())
	a.must(http.StatusCreated, "POST", "/sessions", map[string]any{"userId": "u1"})

	a.srv.Close()
	_, err = net.DialTimeout("tcp", l.Addr().String(), time.Second)
	assert.Error(t, err, "Close closes the listener")
}

func TestWithRequestLogSeesEachAnsweredRequest(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []theazotest.Request
	a := newAPI(t, theazotest.WithRequestLog(func(r theazotest.Request) {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
	}))
	a.must(http.StatusCreated, "POST", "/sessions", map[string]any{"userId": "u1"})
	a.must(http.StatusNotFound, "GET", "/agents/agt_nope", nil)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 2)
	assert.Equal(t, "POST", seen[0].Method)
	assert.Equal(t, "/v1/sessions", seen[0].Path)
	assert.Equal(t, http.StatusCreated, seen[0].Status)
	assert.Equal(t, http.StatusNotFound, seen[1].Status)
	assert.NotEmpty(t, seen[1].RequestID)
	assert.Equal(t, "Bearer th_test_[redacted]", seen[1].Header.Get("Authorization"))
}

// TestWithProvisionDelayKeepsAgentsProvisioningThenIdle runs on synctest's
// clock, in memory: the delay is exact and takes no real time.
func TestWithProvisionDelayKeepsAgentsProvisioningThenIdle(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const delay = 150 * time.Millisecond
		a := newAPI(t, theazotest.WithInMemory(), theazotest.WithProvisionDelay(delay))
		sess := a.must(http.StatusCreated, "POST", "/sessions", map[string]any{"userId": "u1"})
		agent := a.must(http.StatusCreated, "POST", "/sessions/"+sess.str("id")+"/agents", map[string]any{})
		assert.Equal(t, "provisioning", agent.str("status"))
		run := a.do("POST", "/agents/"+agent.str("id")+"/run", map[string]any{"task": "t"})
		assert.Equal(t, http.StatusConflict, run.status)
		assert.Equal(t, "conflict", run.str("error.code"))
		status := func() string {
			return a.must(http.StatusOK, "GET", "/agents/"+agent.str("id"), nil).str("status")
		}

		time.Sleep(delay - time.Millisecond) // on the bubble's clock
		synctest.Wait()
		assert.Equal(t, "provisioning", status(), "just before the delay")
		time.Sleep(time.Millisecond)
		synctest.Wait()
		assert.Equal(t, "idle", status(), "once the delay passed")
		a.must(http.StatusAccepted, "POST", "/agents/"+agent.str("id")+"/run", map[string]any{"task": "t"})
	})
}

func TestWithProvisionDelayStopsAtClose(t *testing.T) {
	t.Parallel()
	a := newAPI(t, theazotest.WithProvisionDelay(time.Hour))
	sess := a.must(http.StatusCreated, "POST", "/sessions", map[string]any{"userId": "u1"})
	a.must(http.StatusCreated, "POST", "/sessions/"+sess.str("id")+"/agents", map[string]any{})
	start := time.Now()
	a.srv.Close() // TestMain's goleak check: no provisioning goroutine is left
	assert.Less(t, time.Since(start), time.Second)
}
