package sse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// described is a DescribedError whose text says more than its data.
type described struct{ data ErrorData }

func (e described) Error() string        { return "upstream said " + e.data.Message + " to key sk_secret" }
func (e described) ErrorData() ErrorData { return e.data }

// refusingResumption connects to url the first time and fails every
// resumption with err.
func refusingResumption(t *testing.T, url string, err error) ConnectFunc {
	connect := connector(t, url)
	return func(ctx context.Context, lastEventID string) (*http.Response, error) {
		if lastEventID != "" {
			return nil, err
		}
		return connect(ctx, lastEventID)
	}
}

func TestRelayTellsTheBrowserTheUpstreamFailed(t *testing.T) {
	t.Parallel()
	// One event, then the connection ends: the stream resumes after id 1.
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "id: 1\nevent: step\ndata: {}\n\n")
	})
	long := strings.Repeat("é", 800) // 1600 bytes
	tests := []struct {
		name      string
		resumeErr error
		opts      []RelayOption
		wantTail  string // what follows the relayed event
	}{
		{
			name:      "a described error",
			resumeErr: described{ErrorData{Code: "service_unavailable", Message: "try later", RequestID: "req_1"}},
			wantTail:  "event: error\ndata: {\"code\":\"service_unavailable\",\"message\":\"try later\",\"requestId\":\"req_1\"}\n\n",
		},
		{
			name:      "another error: a code and message of Relay's own, not its text",
			resumeErr: errors.New("dial tcp: token sk_secret refused"),
			wantTail:  "event: error\ndata: {\"code\":\"interrupted\",\"message\":\"the event stream ended early and could not be resumed\",\"requestId\":\"\"}\n\n",
		},
		{
			name:      "a long message is cut",
			resumeErr: described{ErrorData{Code: "x", Message: long}},
			wantTail:  "event: error\ndata: {\"code\":\"x\",\"message\":\"" + long[:1000] + "…\",\"requestId\":\"\"}\n\n",
		},
		{
			name:      "renamed",
			resumeErr: described{ErrorData{Code: "c", Message: "m"}},
			opts:      []RelayOption{WithErrorEvent("upstream_error")},
			wantTail:  "event: upstream_error\ndata: {\"code\":\"c\",\"message\":\"m\",\"requestId\":\"\"}\n\n",
		},
		{
			name:      "turned off",
			resumeErr: described{ErrorData{Code: "c", Message: "m"}},
			opts:      []RelayOption{WithErrorEvent("")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			results := make(chan error, 1)
			backend := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
				s, err := Connect(r.Context(), refusingResumption(t, srv.URL, tc.resumeErr), cfg)
				require.NoError(t, err)
				results <- Relay(r.Context(), w, r, s, append([]RelayOption{WithHeartbeat(0)}, tc.opts...)...)
			})
			resp := browse(t, context.Background(), backend)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err, "the response ends")
			assert.Equal(t, "id: 1\nevent: step\ndata: {}\n\n"+tc.wantTail, string(body))
			assert.NotContains(t, string(body), "sk_secret")
			err = result(t, results)
			assert.ErrorIs(t, err, ErrInterrupted, "Relay returns the stream's error")
			assert.ErrorIs(t, err, tc.resumeErr)
		})
	}
}

// A hook cannot name the error event: Relay names it, after the last
// event the hook let through.
func TestRelayErrorEventSkipsTheHook(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "event: step\ndata: {}\n\n") // no id: cannot be resumed
	})
	hook := func(ev Event) (Event, bool) { return nil, false }
	backend, results := relayServer(t, srv, context.Background(), WithHeartbeat(0), WithEventHook(hook))
	resp := browse(t, context.Background(), backend)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "event: error\ndata: {\"code\":\"interrupted\",\"message\":\"the event stream ended early and could not be resumed\",\"requestId\":\"\"}\n\n", string(body))
	assert.ErrorIs(t, result(t, results), ErrInterrupted)
}

func TestRelayErrorAnswersABrowserWithNoStream(t *testing.T) {
	t.Parallel()
	openErr := fmt.Errorf("opening the stream: %w", described{ErrorData{Code: "service_unavailable", Message: "try later", RequestID: "req_9"}})
	tests := []struct {
		name        string
		opts        []RelayOption
		status      int
		contentType string
		body        string
	}{
		{
			name:        "the error event",
			status:      http.StatusOK,
			contentType: "text/event-stream",
			body:        "event: error\ndata: {\"code\":\"service_unavailable\",\"message\":\"try later\",\"requestId\":\"req_9\"}\n\n",
		},
		{
			name:        "renamed",
			opts:        []RelayOption{WithErrorEvent("failed")},
			status:      http.StatusOK,
			contentType: "text/event-stream",
			body:        "event: failed\ndata: {\"code\":\"service_unavailable\",\"message\":\"try later\",\"requestId\":\"req_9\"}\n\n",
		},
		{
			name:        "no error event: a status EventSource gives up on",
			opts:        []RelayOption{WithErrorEvent("")},
			status:      http.StatusBadGateway,
			contentType: "text/plain; charset=utf-8",
			body:        "Bad Gateway\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			results := make(chan error, 1)
			backend := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
				results <- RelayError(w, r, openErr, tc.opts...)
			})
			resp := browse(t, context.Background(), backend)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, result(t, results))
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.contentType, resp.Header.Get("Content-Type"))
			assert.Equal(t, tc.body, string(body))
			assert.NotContains(t, string(body), "sk_secret")
		})
	}
}

// An error event name SSE cannot carry is refused before anything is
// written, and the upstream is closed.
func TestRelayRefusesAMultilineErrorEvent(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		<-r.Context().Done()
	})
	s := mustConnect(t, srv, cfg)
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	assert.ErrorContains(t, Relay(context.Background(), w, r, s, WithErrorEvent("a\nb")), `an error event named "a\nb"`)
	assert.ErrorContains(t, RelayError(w, r, errors.New("x"), WithErrorEvent("a\nb")), `an error event named "a\nb"`)
	assert.Empty(t, w.Body.String())
	<-srv.gone
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	d := described{ErrorData{Code: "c", Message: "m", RequestID: "r"}}
	tests := []struct {
		name string
		err  error
		want ErrorData
	}{
		{"described", d, d.data},
		{"described, wrapped in an interruption", fmt.Errorf("%w: last: %w", ErrInterrupted, d), d.data},
		{"interrupted", fmt.Errorf("%w after event 3", ErrInterrupted), ErrorData{Code: "interrupted", Message: "the event stream ended early and could not be resumed"}},
		{"too large", fmt.Errorf("%w (1 bytes)", ErrEventTooLarge), ErrorData{Code: "stream_error", Message: "the event stream failed"}},
		{"plain", errors.New("secret"), ErrorData{Code: "stream_error", Message: "the event stream failed"}},
		{"nil", nil, ErrorData{Code: "stream_error", Message: "the event stream failed"}},
		{"invalid UTF-8", described{ErrorData{Code: "c\xff", Message: "m"}}, ErrorData{Code: "c\uFFFD", Message: "m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, describe(tc.err))
		})
	}
}
