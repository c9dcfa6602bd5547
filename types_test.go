package theazo

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// UnknownEvent passes through every stream, whatever its event interface.
var _ interface {
	agentEvent()
	workflowEvent()
	fleetEvent()
	channelEvent()
} = (*UnknownEvent)(nil)

func TestMoneyString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    Money
		want string
	}{
		{Money{Amount: 500, Currency: "usd"}, "5.00 USD"},
		{Money{Amount: 1544, Currency: "usd"}, "15.44 USD"},
		{Money{Amount: 7, Currency: "eur"}, "0.07 EUR"},
		{Money{Amount: 0, Currency: "usd"}, "0.00 USD"},
		{Money{Amount: -250, Currency: "usd"}, "-2.50 USD"},
		{Money{Amount: -5, Currency: "usd"}, "-0.05 USD"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.m.String())
	}
}

func TestMoneyJSON(t *testing.T) {
	t.Parallel()
	var m Money
	require.NoError(t, json.Unmarshal([]byte(`{"amount":12,"currency":"usd"}`), &m))
	assert.Equal(t, Money{Amount: 12, Currency: "usd"}, m)
	assert.JSONEq(t, `{"amount":0,"currency":"usd"}`, mustJSON(t, Money{Currency: "usd"}), "a zero amount is sent")
}

func TestPtr(t *testing.T) {
	t.Parallel()
	p := Ptr(0.0)
	require.NotNil(t, p)
	assert.Equal(t, 0.0, *p)

	// Ptr copies its argument: changing one side leaves the other as it was,
	// and two calls never share a variable.
	s := "x"
	ps := Ptr(s)
	s = "y"
	assert.Equal(t, "x", *ps, "changing the argument afterwards changes what Ptr returned")
	*ps = "z"
	assert.Equal(t, "y", s, "writing through Ptr's result changes the argument")
	a, b := Ptr(1), Ptr(1)
	*a = 2
	assert.Equal(t, 1, *b, "two calls of Ptr share one variable")
}

func TestTaskRefJSON(t *testing.T) {
	t.Parallel()
	var r TaskRef
	require.NoError(t, json.Unmarshal([]byte(`{"taskId":"task_1"}`), &r))
	assert.Equal(t, TaskRef{TaskID: "task_1"}, r)
	assert.JSONEq(t, `{"taskId":"task_1"}`, mustJSON(t, r))
}
