package credentials

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// The RRSA worked example (examples/rrsa) states each name once per file: these tests read the files and
// check that they agree, so that a renamed ServiceAccount, namespace or role cannot leave the trust
// policy behind (STS would then refuse every token, and Velero would only say AccessDenied).

const (
	rrsaDir          = "../../../examples/rrsa"
	podIdentityLabel = "pod-identity.alibabacloud.com/injection" // ack-pod-identity-webhook's namespace label
	podIdentityRole  = "pod-identity.alibabacloud.com/role-name" // and its ServiceAccount annotation
	stsAudience      = "sts.aliyuncs.com"                        // the audience of ACK's RRSA tokens
	// veleroDefaults is the ServiceAccount `velero install` creates when given neither --namespace nor
	// --service-account-name.
	veleroDefaults = "velero/velero"
)

type trustPolicy struct {
	Version   string
	Statement []struct {
		Action, Effect string
		Principal      struct{ Federated []string }
		Condition      map[string]map[string]string
	}
}

type k8sObject struct {
	Kind     string
	Metadata struct {
		Name, Namespace string
		Labels          map[string]string
		Annotations     map[string]string
	}
}

// rrsaExample is what the example's files say.
type rrsaExample struct {
	policy          trustPolicy
	namespaces      map[string]k8sObject
	serviceAccounts map[string]k8sObject // by namespace/name
	readme          string
}

func loadRRSAExample(t *testing.T) rrsaExample {
	t.Helper()
	ex := rrsaExample{namespaces: map[string]k8sObject{}, serviceAccounts: map[string]k8sObject{}}
	require.NoError(t, yaml.Unmarshal(readExample(t, "trust-policy.json"), &ex.policy))
	for _, file := range []string{"namespace.yaml", "serviceaccount.yaml"} {
		for _, obj := range yamlObjects(t, readExample(t, file)) {
			switch obj.Kind {
			case "Namespace":
				ex.namespaces[obj.Metadata.Name] = obj
			case "ServiceAccount":
				ex.serviceAccounts[obj.Metadata.Namespace+"/"+obj.Metadata.Name] = obj
			default:
				require.Failf(t, "unexpected kind", "%s: %s", file, obj.Kind)
			}
		}
	}
	ex.readme = string(readExample(t, "README.md"))
	return ex
}

func readExample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(rrsaDir, name))
	require.NoError(t, err)
	return data
}

func yamlObjects(t *testing.T, data []byte) []k8sObject {
	t.Helper()
	var objs []k8sObject
	for _, doc := range regexp.MustCompile(`(?m)^---$`).Split(string(data), -1) {
		var obj k8sObject
		require.NoError(t, yaml.Unmarshal([]byte(doc), &obj))
		if obj.Kind != "" {
			objs = append(objs, obj)
		}
	}
	return objs
}

// subjects are the oidc:sub values of the trust policy, i.e. system:serviceaccount:<namespace>:<name>.
func (ex rrsaExample) subjects() []string {
	var subs []string
	for _, s := range ex.policy.Statement {
		subs = append(subs, s.Condition["StringEquals"]["oidc:sub"])
	}
	return subs
}

// roleNames are the role names the README's commands use: aliyun ram --RoleName and velero install's
// --sa-annotations.
func (ex rrsaExample) roleNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, re := range []string{`--RoleName (\S+)`, regexp.QuoteMeta(podIdentityRole) + `=(\S+)`} {
		matches := regexp.MustCompile(re).FindAllStringSubmatch(ex.readme, -1)
		require.NotEmpty(t, matches, "README.md has %s", re)
		for _, m := range matches {
			names = append(names, m[1])
		}
	}
	return names
}

func TestRRSAExampleTrustPolicyHasTheDocumentedForm(t *testing.T) {
	ex := loadRRSAExample(t)
	assert.Equal(t, "1", ex.policy.Version)
	require.NotEmpty(t, ex.policy.Statement)
	for i, s := range ex.policy.Statement {
		assert.Equal(t, "sts:AssumeRole", s.Action, "statement %d", i)
		assert.Equal(t, "Allow", s.Effect, "statement %d", i)
		assert.Equal(t, []string{"acs:ram::<account-id>:oidc-provider/ack-rrsa-<cluster-id>"}, s.Principal.Federated, "statement %d", i)
		require.Len(t, s.Condition, 1, "statement %d: StringEquals only", i)
		cond := s.Condition["StringEquals"]
		assert.Equal(t, stsAudience, cond["oidc:aud"], "statement %d", i)
		assert.Equal(t, "<oidc-issuer-url>", cond["oidc:iss"], "statement %d", i)
		assert.Regexp(t, `^system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+$`, cond["oidc:sub"], "statement %d", i)
		assert.Len(t, cond, 3, "statement %d: aud, iss and sub", i)
	}
}

func TestRRSAExampleNamesAgree(t *testing.T) {
	ex := loadRRSAExample(t)

	var want []string
	for key, sa := range ex.serviceAccounts {
		want = append(want, "system:serviceaccount:"+strings.Replace(key, "/", ":", 1))
		ns, ok := ex.namespaces[sa.Metadata.Namespace]
		if assert.True(t, ok, "namespace.yaml has the namespace of %s", key) {
			assert.Equal(t, "on", ns.Metadata.Labels[podIdentityLabel], "namespace %s", ns.Metadata.Name)
		}
		for _, role := range ex.roleNames(t) {
			assert.Equal(t, role, sa.Metadata.Annotations[podIdentityRole], "ServiceAccount %s and README.md", key)
		}
	}
	assert.ElementsMatch(t, want, ex.subjects(), "the trust policy lets exactly the example's ServiceAccounts in")

	// velero install's ServiceAccount: the README's command keeps Velero's defaults.
	assert.Contains(t, ex.serviceAccounts, veleroDefaults)
	start := strings.Index(ex.readme, "\nvelero install ")
	require.Positive(t, start, "README.md runs velero install")
	install := ex.readme[start:]
	install = install[:strings.Index(install, "\n```")]
	assert.NotContains(t, install, "--namespace")
	assert.NotContains(t, install, "--service-account-name")
	assert.Contains(t, install, "--no-secret", "a credentials file would win over RRSA")

	// csdr-controller's ServiceAccount, as deploy/ names it.
	data, err := os.ReadFile("../../../deploy/rbac/service_account.yaml")
	require.NoError(t, err)
	controller := yamlObjects(t, data)
	require.Len(t, controller, 1)
	assert.Contains(t, ex.serviceAccounts, controller[0].Metadata.Namespace+"/"+controller[0].Metadata.Name)
}
