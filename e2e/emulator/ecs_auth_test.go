package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
)

var ecsSignatures = []struct {
	name   string
	mutate func(*openapi.Config)
}{{"v3", func(*openapi.Config) {}}, {"v2", legacySignature}}

func TestECSAuthentication(t *testing.T) {
	srv := newServer(t, func(o *emulator.Options) {
		o.Credentials = append(o.Credentials,
			emulator.Credential{AccessKeyID: "LTAIexpired", AccessKeySecret: "s", Expiration: time.Now().Add(-time.Minute)},
			emulator.Credential{AccessKeyID: "STS.expired", AccessKeySecret: "s", SecurityToken: "tok", Expiration: time.Now().Add(-time.Minute)})
	})
	addDisk(t, srv)
	key := func(id, secret, token string) func(*openapi.Config) {
		return func(cfg *openapi.Config) {
			cfg.AccessKeyId, cfg.AccessKeySecret = tea.String(id), tea.String(secret)
			if token != "" {
				cfg.SecurityToken = tea.String(token)
			}
		}
	}
	tests := []struct {
		name   string
		key    func(*openapi.Config)
		status int
		code   string
	}{
		{"permanent key", key(testAK, testSK, ""), 200, ""},
		{"sts key with its token", key(stsAK, stsSK, stsToken), 200, ""},
		{"wrong secret", key(testAK, "wrong-secret", ""), 400, "SignatureDoesNotMatch"},
		{"unknown key", key("LTAInobody", testSK, ""), 404, "InvalidAccessKeyId.NotFound"},
		{"expired key", key("LTAIexpired", "s", ""), 403, "Forbidden.AccessKeyDisabled"},
		{"sts without token", key(stsAK, stsSK, ""), 400, "MissingSecurityToken"},
		{"sts with wrong token", key(stsAK, stsSK, "forged"), 400, "InvalidSecurityToken.MismatchWithAccessKey"},
		{"sts expired", key("STS.expired", "s", "tok"), 400, "InvalidSecurityToken.Expired"},
		{"token on a permanent key", key(testAK, testSK, "tok"), 400, "InvalidSecurityToken.Malformed"},
	}
	for _, sig := range ecsSignatures {
		for _, tt := range tests {
			t.Run(sig.name+"/"+tt.name, func(t *testing.T) {
				c := newECSClient(t, srv, "cn-hangzhou", sig.mutate, tt.key)
				// Characters that the canonical forms escape differently: space, +, *, ~, /, non-ASCII.
				res, err := c.DescribeSnapshots(&ecssdk.DescribeSnapshotsRequest{RegionId: tea.String("cn-hangzhou"),
					SnapshotIds: tea.String(`["s-a b+c*d~e/f"]`), Tag: []*ecssdk.DescribeSnapshotsRequestTag{
						{Key: tea.String("owner team"), Value: tea.String("a+b*c~d/é")}}})
				if tt.code == "" {
					require.NoError(t, err)
					assert.NotEmpty(t, tea.StringValue(res.Body.RequestId))
					return
				}
				se := requireCode(t, err, tt.status, tt.code)
				assert.NotContains(t, tea.StringValue(se.Data), testSK, "the secret never appears in an error")
			})
		}
	}

	// Rotating an STS key (what a refresh does) takes effect at once.
	srv.AddCredential(emulator.Credential{AccessKeyID: stsAK, AccessKeySecret: "rotated", SecurityToken: "new-token"})
	_, err := newECSClient(t, srv, "cn-hangzhou", key(stsAK, stsSK, stsToken)).DescribeRegions(&ecssdk.DescribeRegionsRequest{})
	requireCode(t, err, http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey")
	_, err = newECSClient(t, srv, "cn-hangzhou", key(stsAK, "rotated", "new-token")).DescribeRegions(&ecssdk.DescribeRegionsRequest{})
	require.NoError(t, err)
}

func TestECSLegacySignatureDrivesEveryStep(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou", legacySignature)
	disk := addDisk(t, srv)
	id := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), InstantAccess: tea.Bool(true),
		Tag: []*ecssdk.CreateSnapshotRequestTag{{Key: tea.String("k"), Value: tea.String("v w")}}})
	s := describeSnapshot(t, c, "cn-hangzhou", id)
	require.NotNil(t, s)
	assert.Equal(t, "v w", tea.StringValue(s.Tags.Tag[0].TagValue))
	_, err := c.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String(id)})
	require.NoError(t, err)
}

// TestECSFormBody sends parameters in an application/x-www-form-urlencoded body, as some RPC APIs do,
// through the SDK's generic CallApi, with both signatures.
func TestECSFormBody(t *testing.T) {
	srv := newServer(t)
	for _, sig := range ecsSignatures {
		t.Run(sig.name, func(t *testing.T) {
			cfg := ecsConfig(srv, "cn-hangzhou")
			sig.mutate(cfg)
			c, err := openapi.NewClient(cfg)
			require.NoError(t, err)
			params := &openapi.Params{Action: tea.String("DescribeZones"), Version: tea.String("2014-05-26"), Protocol: tea.String("HTTP"),
				Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"), Style: tea.String("RPC"),
				ReqBodyType: tea.String("formData"), BodyType: tea.String("json")}
			res, err := c.CallApi(params, &openapi.OpenApiRequest{Body: map[string]interface{}{"RegionId": "cn-shanghai"}}, &util.RuntimeOptions{})
			require.NoError(t, err)
			body, _ := json.Marshal(res["body"])
			assert.Contains(t, string(body), "cn-shanghai-m", "RegionId came from the form body")

			params.Action = tea.String("DescribeUnicorns")
			_, err = c.CallApi(params, &openapi.OpenApiRequest{}, &util.RuntimeOptions{})
			requireCode(t, err, http.StatusNotFound, "InvalidAction.NotFound")
		})
	}
}

func TestECSUnsignedRequests(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name   string
		url    string
		header map[string]string
		body   string
		code   string
	}{
		{"V3 style without Authorization", "/?RegionId=cn-hangzhou", map[string]string{"x-acs-action": "DescribeZones", "x-acs-version": "2014-05-26"}, "", "IncompleteSignature"},
		{"legacy style without Signature", "/?Action=DescribeZones&Version=2014-05-26&RegionId=cn-hangzhou", nil, "", "IncompleteSignature"},
		{"legacy style in a form body", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			"Action=DescribeZones&Version=2014-05-26&RegionId=cn-hangzhou", "IncompleteSignature"},
		{"unknown scheme", "/?RegionId=cn-hangzhou", map[string]string{"x-acs-action": "DescribeZones", "x-acs-version": "2014-05-26",
			"Authorization": "ACS3-HMAC-SM3 Credential=x,SignedHeaders=host,Signature=00"}, "", "InvalidSignatureMethod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, srv.URL+tt.url, strings.NewReader(tt.body))
			require.NoError(t, err)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"))
			var e struct{ RequestId, HostId, Code, Message, Recommend string }
			require.NoError(t, json.Unmarshal(body, &e), string(body))
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, resp.Header.Get("x-acs-request-id"), e.RequestId)
			assert.Regexp(t, `^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`, e.RequestId)
			assert.NotEmpty(t, e.HostId)
			assert.Contains(t, e.Recommend, tt.code)
		})
	}
}
