package contract

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fakeAPI is the least of a kube-apiserver the plugins reach: discovery of the core group, of
// velero.io and, when csdr is set, of csdr.io; the kube-system namespace (the cluster's identity);
// empty pod lists; NotFound for every other object. It records the requests, so a test sees what the
// plugin process asked for.
// fakeClusterIdentity is the UID of the fake cluster's kube-system namespace.
const fakeClusterIdentity = "c0ffee00-0000-4000-8000-00000000c1a5"

type fakeAPI struct {
	csdr bool

	mu       sync.Mutex
	requests []string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	csdrGV, veleroGV := "csdr.io/v1alpha1", "velero.io/v1"
	switch p := r.URL.Path; {
	case p == "/api/v1/namespaces/kube-system":
		reply(w, map[string]any{"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": "kube-system", "uid": fakeClusterIdentity}})
	case p == "/api":
		reply(w, metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}})
	case p == "/api/v1":
		reply(w, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: "v1",
			APIResources: []metav1.APIResource{
				{Name: "namespaces", Kind: "Namespace", Verbs: []string{"get"}},
				{Name: "pods", Namespaced: true, Kind: "Pod", Verbs: []string{"get", "list"}},
				{Name: "persistentvolumes", Kind: "PersistentVolume", Verbs: []string{"get", "list"}},
				{Name: "persistentvolumeclaims", Namespaced: true, Kind: "PersistentVolumeClaim", Verbs: []string{"get", "list"}},
			}})
	case p == "/apis":
		velero := metav1.GroupVersionForDiscovery{GroupVersion: veleroGV, Version: "v1"}
		list := metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
			Groups: []metav1.APIGroup{{Name: "velero.io", Versions: []metav1.GroupVersionForDiscovery{velero}, PreferredVersion: velero}}}
		if f.csdr {
			v := metav1.GroupVersionForDiscovery{GroupVersion: csdrGV, Version: "v1alpha1"}
			list.Groups = append(list.Groups, metav1.APIGroup{Name: "csdr.io", Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v})
		}
		reply(w, list)
	case p == "/apis/"+veleroGV:
		reply(w, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: veleroGV,
			APIResources: []metav1.APIResource{{Name: "backups", Namespaced: true, Kind: "Backup", Verbs: []string{"get", "list", "patch"}}}})
	case p == "/apis/"+csdrGV && f.csdr:
		reply(w, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: csdrGV,
			APIResources: []metav1.APIResource{
				{Name: "filesystembackups", Namespaced: true, Kind: "FilesystemBackup", Verbs: []string{"get", "list", "create", "patch"}},
				{Name: "filesystemrestores", Namespaced: true, Kind: "FilesystemRestore", Verbs: []string{"get", "list", "create", "patch"}},
			}})
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/pods"):
		reply(w, map[string]any{"apiVersion": "v1", "kind": "PodList", "metadata": map[string]any{}, "items": []any{}})
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status: metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: http.StatusNotFound, Message: p + " not found"})
	}
}

func (f *fakeAPI) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// serveFakeAPI starts api and points KUBECONFIG at it; the plugin processes Velero's manager starts
// after this inherit the variable.
func serveFakeAPI(t *testing.T, api *fakeAPI) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	body := "apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: " + srv.URL + "}}]\n" +
		"users: [{name: fake, user: {}}]\ncontexts: [{name: fake, context: {cluster: fake, user: fake, namespace: velero}}]\n" +
		"current-context: fake\n"
	require.NoError(t, os.WriteFile(kubeconfig, []byte(body), 0o600))
	t.Setenv("KUBECONFIG", kubeconfig)
}
