package theazotest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/theazotest"
)

func TestRequestHistoryKeepsTheLatestAndReadsNoBodyBeforeTheKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		bodies bool
	}{{"with bodies", true}, {"without bodies", false}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := theazotest.NewServer(theazotest.WithRequestHistory(3, tc.bodies))
			defer srv.Close()
			post := func(key, user string) int {
				req, err := http.NewRequest("POST", srv.URL()+"/sessions", strings.NewReader(`{"userId":"`+user+`"}`))
				require.NoError(t, err)
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				resp, err := srv.HTTPClient().Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				return resp.StatusCode
			}
			for _, u := range []string{"a", "b", "c", "d"} {
				require.Equal(t, http.StatusCreated, post(srv.APIKey(), u))
			}
			require.Equal(t, http.StatusUnauthorized, post("", "nokey"))
			require.Equal(t, http.StatusUnauthorized, post("th_test_wrongwrongwrong", "wrongkey"))

			reqs := srv.Requests()
			require.Len(t, reqs, 3, "the latest three")
			assert.Equal(t, []int{201, 401, 401}, []int{reqs[0].Status, reqs[1].Status, reqs[2].Status})
			if tc.bodies {
				assert.JSONEq(t, `{"userId":"d"}`, string(reqs[0].Body))
			} else {
				assert.Nil(t, reqs[0].Body)
			}
			assert.Nil(t, reqs[1].Body, "a request without a key is not read")
			assert.Nil(t, reqs[2].Body, "nor one with a wrong key")

			srv.ResetRequests()
			assert.Empty(t, srv.Requests())
		})
	}
}
