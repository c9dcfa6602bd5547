package theazo

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/theazo/theazo-go/sse"
)

// What a browser is told about an API error or a failed run.
func TestErrorData(t *testing.T) {
	tests := []struct {
		name string
		err  sse.DescribedError
		want sse.ErrorData
	}{
		{
			name: "the envelope's code",
			err:  &Error{StatusCode: 503, Code: "service_unavailable", Message: "try later", RequestID: "req_1", Details: map[string]any{"x": 1}},
			want: sse.ErrorData{Code: "service_unavailable", Message: "try later", RequestID: "req_1"},
		},
		{
			name: "no envelope: the code of a documented status",
			err:  &Error{StatusCode: 502, Message: "Bad Gateway"},
			want: sse.ErrorData{Code: "provider_error", Message: "Bad Gateway"},
		},
		{
			name: "no envelope, another status",
			err:  &Error{StatusCode: 503, Message: "<html>"},
			want: sse.ErrorData{Code: "http_503", Message: "<html>"},
		},
		{
			name: "a failed run",
			err:  &RunError{ID: "task_1", Code: CodeProviderError, Message: "the sandbox died"},
			want: sse.ErrorData{Code: "provider_error", Message: "the sandbox died"},
		},
		{
			name: "a failed run without a code",
			err:  &RunError{ID: "task_1", Message: "failed"},
			want: sse.ErrorData{Code: "run_failed", Message: "failed"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.ErrorData())
			// Relay finds it through the chain, as it finds it through a scrubbed error.
			var d sse.DescribedError
			assert.ErrorAs(t, fmt.Errorf("opening: %w", tc.err), &d)
			assert.ErrorAs(t, &scrubbedError{msg: "x", kept: []error{tc.err}}, &d)
		})
	}
}
