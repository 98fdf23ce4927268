package oss

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client that dies half-way through an upload must leave neither an object nor a temporary file.
func TestAbandonedUploadLeavesNothing(t *testing.T) {
	s, srv := newAuthServer(t)
	for _, op := range []struct{ name, target string }{
		{"PutObject", "/bkt/torn"},
		{"UploadPart", "/bkt/torn?partNumber=1&uploadId=%s"},
	} {
		t.Run(op.name, func(t *testing.T) {
			target := op.target
			if strings.Contains(target, "%s") {
				u := initiate(t, s, srv.URL, "torn")
				target = strings.Replace(target, "%s", u, 1)
			}
			req, err := http.NewRequest(http.MethodPut, srv.URL+target, bytes.NewReader(make([]byte, 1<<20)))
			require.NoError(t, err)
			sign(t, &signer.SignerV4{}, req, "bkt", "torn", time.Time{})

			conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
			require.NoError(t, err)
			require.NoError(t, req.Write(&truncatedBody{w: conn, limit: 200 << 10}))
			require.NoError(t, conn.Close())

			require.Eventually(t, func() bool {
				tmp, err := os.ReadDir(s.buckets["bkt"].tmpDir())
				return err == nil && len(tmp) == 0 && s.Stats().Errors["IncompleteBody"] > 0
			}, 5*time.Second, 10*time.Millisecond, "the partial body is discarded")
			_, err = s.ObjectInfo("bkt", "torn")
			assert.ErrorIs(t, err, ErrNoSuchKey)
			if ups, _ := s.ListUploads("bkt"); len(ups) > 0 {
				assert.Zero(t, ups[0].Parts, "no part was recorded")
			}
			s.ResetStats()
		})
	}
}

func initiate(t *testing.T, s *Service, base, key string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/bkt/"+key+"?uploads", nil)
	require.NoError(t, err)
	sign(t, &signer.SignerV4{}, req, "bkt", key, time.Time{})
	resp, body := send(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	ups, err := s.ListUploads("bkt")
	require.NoError(t, err)
	require.Len(t, ups, 1)
	return ups[0].UploadID
}

// truncatedBody writes a request's head and at most limit bytes of zeros as its body, then stops.
type truncatedBody struct {
	w      net.Conn
	limit  int
	inBody bool
}

func (tb *truncatedBody) Write(p []byte) (int, error) {
	if !tb.inBody {
		if i := bytes.Index(p, []byte("\r\n\r\n")); i >= 0 {
			tb.inBody = true
			if _, err := tb.w.Write(p[:i+4]); err != nil {
				return 0, err
			}
			if _, err := tb.w.Write(make([]byte, tb.limit)); err != nil {
				return 0, err
			}
			return len(p), nil
		}
	}
	if tb.inBody {
		return len(p), nil
	}
	return tb.w.Write(p)
}
