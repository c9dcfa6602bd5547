package exampleenv_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/examples/internal/exampleenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartFake(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	var out bytes.Buffer
	env := exampleenv.Start(&out)
	defer env.Close()
	assert.NotNil(t, env.Fake)
	assert.True(t, strings.HasPrefix(out.String(), "No THEAZO_API_KEY set: running against theazotest"))
	assert.Equal(t, env.Fake.URL(), env.Client.BaseURL())
}

func TestStartReal(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "th_live_fake-secret-123")
	t.Setenv("THEAZO_BASE_URL", "")
	var out bytes.Buffer
	env := exampleenv.Start(&out)
	defer env.Close()
	assert.Nil(t, env.Fake)
	assert.Equal(t, "Using the Theazo API at https://api.theazo.com/v1 with your live key from THEAZO_API_KEY.\n", out.String())
	assert.NotContains(t, out.String(), "fake-secret-123")
}

func TestHint(t *testing.T) {
	assert.Empty(t, exampleenv.Hint(nil))
	assert.Empty(t, exampleenv.Hint(errors.New("other")))
	err := fmt.Errorf("listing: %w", &theazo.Error{StatusCode: 401, Code: theazo.CodeUnauthorized})
	assert.Contains(t, exampleenv.Hint(err), "THEAZO_API_KEY")
	assert.Contains(t, exampleenv.Hint(&theazo.Error{StatusCode: 402, Code: theazo.CodeSessionLimitExceeded}), "limits")
	assert.Contains(t, exampleenv.Hint(&theazo.Error{StatusCode: 429, Code: theazo.CodeRateLimited}), "Too many")
}
