package credentials

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The example's values for its placeholders, as step 1 of examples/rrsa/README.md reads them.
const (
	exampleAccount = "1234567890123456"
	exampleCluster = "c0123456789abcdef"
	exampleIssuer  = "https://oidc-ack-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/" + exampleCluster
)

// trustingSTS answers AssumeRoleWithOIDC as STS does for a role whose trust policy is the example's:
// the role must be the one the ServiceAccount annotation names, the provider one the policy trusts, and
// the token's iss, aud and sub must meet one statement's StringEquals; otherwise it refuses.
type trustingSTS struct {
	policy   trustPolicy
	roleARN  string
	endpoint string
}

func newTrustingSTS(t *testing.T, roleName string) *trustingSTS {
	t.Helper()
	if fakeSTSCert == nil {
		t.Skip("no trusted certificate for a fake STS on this platform (see TestMain)")
	}
	filled := strings.NewReplacer("<account-id>", exampleAccount, "<cluster-id>", exampleCluster,
		"<oidc-issuer-url>", exampleIssuer)
	s := &trustingSTS{roleARN: "acs:ram::" + exampleAccount + ":role/" + roleName}
	require.NoError(t, json.Unmarshal([]byte(filled.Replace(string(readExample(t, "trust-policy.json")))), &s.policy))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{*fakeSTSCert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s.endpoint = strings.TrimPrefix(srv.URL, "https://")
	return s
}

func (s *trustingSTS) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("Action") != "AssumeRoleWithOIDC" || r.ParseForm() != nil {
		http.Error(w, `{"Code":"InvalidAction","RequestId":"req-trust"}`, http.StatusBadRequest)
		return
	}
	if !s.allows(r.PostForm.Get("RoleArn"), r.PostForm.Get("OIDCProviderArn"), r.PostForm.Get("OIDCToken")) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"Code":"AuthenticationFail.NoPermission","Message":"the role's trust policy does not allow this token","RequestId":"req-trust"}`))
		return
	}
	body, _ := json.Marshal(map[string]any{"RequestId": "req-trust",
		"Credentials": sessionJSON("STS.trusted", "trusted-secret", "trusted-token", time.Now().Add(time.Hour))})
	_, _ = w.Write(body)
}

func (s *trustingSTS) allows(roleARN, providerARN, token string) bool {
	claims := jwtClaims(token)
	if roleARN != s.roleARN || claims == nil {
		return false
	}
	for _, st := range s.policy.Statement {
		if st.Effect != "Allow" || st.Action != "sts:AssumeRole" || len(st.Principal.Federated) != 1 ||
			st.Principal.Federated[0] != providerARN {
			continue
		}
		cond := st.Condition["StringEquals"]
		if cond["oidc:iss"] == claims["iss"] && cond["oidc:aud"] == claims["aud"] && cond["oidc:sub"] == claims["sub"] {
			return true
		}
	}
	return false
}

// jwtClaims reads a token's payload; STS also checks the signature against the provider's keys, which
// does not matter to which ServiceAccount gets in.
func jwtClaims(token string) map[string]string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var claims map[string]string
	if json.Unmarshal(payload, &claims) != nil {
		return nil
	}
	return claims
}

// projectedToken is a token as the kubelet projects it for a ServiceAccount of an RRSA cluster.
func projectedToken(t *testing.T, iss, aud, sub string) string {
	t.Helper()
	enc := func(v any) string {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		return base64.RawURLEncoding.EncodeToString(data)
	}
	return enc(map[string]string{"alg": "RS256", "kid": "test"}) + "." +
		enc(map[string]string{"iss": iss, "aud": aud, "sub": sub}) + ".c2lnbmF0dXJl"
}

// The plugin (and csdr-controller) with the three variables ack-pod-identity-webhook injects gets
// credentials through the example's trust policy; a token of any other ServiceAccount, for another
// audience, or with the variables of another role is refused.
func TestRRSAExampleTrustPolicyLetsOnlyItsServiceAccountsIn(t *testing.T) {
	if os.Getenv("ALIBABA_CLOUD_OIDC_TOKEN") != "" {
		t.Skip("credentials-go prefers ALIBABA_CLOUD_OIDC_TOKEN from the process environment over the token file")
	}
	ex := loadRRSAExample(t)
	roleName := ex.roleNames(t)[0]
	sts := newTrustingSTS(t, roleName)
	providerARN := "acs:ram::" + exampleAccount + ":oidc-provider/ack-rrsa-" + exampleCluster

	type tc struct {
		name, sub, aud, roleARN string
		allowed                 bool
	}
	var cases []tc
	for key := range ex.serviceAccounts {
		cases = append(cases, tc{name: "ServiceAccount " + key, sub: "system:serviceaccount:" + strings.Replace(key, "/", ":", 1),
			aud: stsAudience, roleARN: sts.roleARN, allowed: true})
	}
	cases = append(cases,
		tc{name: "another ServiceAccount of the namespace", sub: "system:serviceaccount:velero:default", aud: stsAudience, roleARN: sts.roleARN},
		tc{name: "velero in another namespace", sub: "system:serviceaccount:default:velero", aud: stsAudience, roleARN: sts.roleARN},
		tc{name: "another audience", sub: "system:serviceaccount:velero:velero", aud: "kubernetes", roleARN: sts.roleARN},
		tc{name: "another role", sub: "system:serviceaccount:velero:velero", aud: stsAudience,
			roleARN: "acs:ram::" + exampleAccount + ":role/other"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tokenFile := writeFile(t, t.TempDir(), "token", projectedToken(t, exampleIssuer, c.aud, c.sub))
			p, err := New(Options{NotOnECS: true, stsEndpoint: sts.endpoint, Getenv: envOf(map[string]string{
				envRoleARN: c.roleARN, envOIDCProviderARN: providerARN, envOIDCTokenFile: tokenFile,
			})})
			require.NoError(t, err)
			assert.Equal(t, "RRSA (role "+c.roleARN+")", p.Source())
			creds, err := p.Credentials(context.Background())
			if !c.allowed {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "AuthenticationFail.NoPermission")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "STS.trusted", creds.AccessKeyID)
		})
	}
}
