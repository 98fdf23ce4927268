package legacybackup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes/scheme"
)

func appObjects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	objs, err := App()
	require.NoError(t, err)
	require.Len(t, objs, 30)
	return objs
}

func find(t *testing.T, objs []*unstructured.Unstructured, apiVersion, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetAPIVersion() == apiVersion && o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	require.Failf(t, "fixture object missing", "%s %s %s", apiVersion, kind, name)
	return nil
}

// A typo in the fixture would otherwise travel to the e2e test as a field the API server drops.
func TestAppDecodesStrictlyIntoItsKubernetesTypes(t *testing.T) {
	for _, obj := range appObjects(t) {
		t.Run(obj.GetKind()+" "+obj.GetName(), func(t *testing.T) {
			typed, err := scheme.Scheme.New(obj.GroupVersionKind())
			require.NoError(t, err, "a type of %s exists", obj.GroupVersionKind())
			data, err := json.Marshal(obj.Object)
			require.NoError(t, err)
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(typed))
		})
	}
}

func TestAppLooksLikeALiveServersAnswer(t *testing.T) {
	uids := map[string]string{}
	for _, obj := range appObjects(t) {
		it, err := itemFor(obj)
		require.NoError(t, err)
		id := it.listKey() + " " + it.listEntry()
		t.Run(id, func(t *testing.T) {
			assert.NotEmpty(t, obj.GetResourceVersion())
			created := obj.GetCreationTimestamp()
			assert.False(t, created.IsZero())
			assert.Regexp(t, `^1e6ac000-0000-4000-8000-0000000000[0-9]{2}$`, string(obj.GetUID()))
			assert.Equal(t, selfLink(it), obj.GetSelfLink())
			if it.namespace != "" {
				assert.Equal(t, AppNamespace, it.namespace)
			}
			// Only the two views of the one Ingress share a UID.
			if other, dup := uids[string(obj.GetUID())]; dup {
				assert.Equal(t, "Ingress", obj.GetKind(), "uid of %s reused by %s", other, id)
			}
			uids[string(obj.GetUID())] = id
		})
	}
}

func hasStatus(kind string) bool {
	switch kind {
	case "ConfigMap", "Secret", "ServiceAccount", "Endpoints", "ControllerRevision":
		return false
	}
	return true
}

func selfLink(it item) string {
	prefix := "/api/" + it.gvk.Version
	if it.gvk.Group != "" {
		prefix = "/apis/" + it.gvk.Group + "/" + it.gvk.Version
	}
	plural := strings.SplitN(it.groupResource, ".", 2)[0]
	if it.namespace == "" {
		return prefix + "/" + plural + "/" + it.obj.GetName()
	}
	return prefix + "/namespaces/" + it.namespace + "/" + plural + "/" + it.obj.GetName()
}

func TestAppStatusIsLive(t *testing.T) {
	for _, obj := range appObjects(t) {
		if hasStatus(obj.GetKind()) {
			assert.NotNil(t, obj.Object["status"], "%s %s has the status the API server returned", obj.GetKind(), obj.GetName())
		}
	}
}

// Names and UIDs that point at other objects must point at fixture objects, as they did in the cluster.
func TestAppReferencesResolve(t *testing.T) {
	objs := appObjects(t)
	byKindName := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		byKindName[o.GetKind()+"/"+o.GetName()] = o
	}
	ref := func(kind, name string) *unstructured.Unstructured {
		o := byKindName[kind+"/"+name]
		assert.NotNil(t, o, "%s %s exists", kind, name)
		return o
	}
	for _, o := range objs {
		for _, owner := range o.GetOwnerReferences() {
			if target := ref(owner.Kind, owner.Name); target != nil {
				assert.Equal(t, target.GetUID(), owner.UID, "owner of %s", o.GetName())
				assert.Equal(t, target.GetAPIVersion(), owner.APIVersion, "owner of %s", o.GetName())
			}
		}
		switch o.GetKind() {
		case "PersistentVolumeClaim":
			name, _, _ := unstructured.NestedString(o.Object, "spec", "volumeName")
			if pv := ref("PersistentVolume", name); pv != nil {
				claim, _, _ := unstructured.NestedStringMap(pv.Object, "spec", "claimRef")
				assert.Equal(t, map[string]string{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": o.GetName(),
					"namespace": o.GetNamespace(), "uid": string(o.GetUID()), "resourceVersion": claim["resourceVersion"]}, claim)
				for _, field := range [][]string{{"spec", "storageClassName"}, {"spec", "accessModes"}} {
					want, _, _ := unstructured.NestedFieldCopy(o.Object, field...)
					got, _, _ := unstructured.NestedFieldCopy(pv.Object, field...)
					assert.Equal(t, want, got, "%s %v", name, field)
				}
				size, _, _ := unstructured.NestedString(o.Object, "status", "capacity", "storage")
				pvSize, _, _ := unstructured.NestedString(pv.Object, "spec", "capacity", "storage")
				assert.Equal(t, "10Gi", size)
				assert.Equal(t, "10Gi", pvSize)
			}
		case "Endpoints":
			ref("Service", o.GetName())
			subsets, _, _ := unstructured.NestedSlice(o.Object, "subsets")
			for _, s := range subsets {
				addrs, _, _ := unstructured.NestedSlice(s.(map[string]any), "addresses")
				for _, a := range addrs {
					target, _, _ := unstructured.NestedStringMap(a.(map[string]any), "targetRef")
					if pod := ref("Pod", target["name"]); pod != nil {
						assert.Equal(t, string(pod.GetUID()), target["uid"])
						ip, _, _ := unstructured.NestedString(pod.Object, "status", "podIP")
						assert.Equal(t, ip, a.(map[string]any)["ip"])
					}
				}
			}
		}
		if spec := podSpecOf(o); spec != nil {
			volumes, _, _ := unstructured.NestedSlice(spec, "volumes")
			for _, v := range volumes {
				vol := v.(map[string]any)
				if claim, ok, _ := unstructured.NestedString(vol, "persistentVolumeClaim", "claimName"); ok {
					ref("PersistentVolumeClaim", claim)
				}
				if secret, ok, _ := unstructured.NestedString(vol, "secret", "secretName"); ok {
					ref("Secret", secret)
				}
				if cm, ok, _ := unstructured.NestedString(vol, "configMap", "name"); ok {
					ref("ConfigMap", cm)
				}
			}
		}
	}
}

func podSpecOf(o *unstructured.Unstructured) map[string]any {
	paths := map[string][]string{
		"Pod":         {"spec"},
		"Deployment":  {"spec", "template", "spec"},
		"ReplicaSet":  {"spec", "template", "spec"},
		"StatefulSet": {"spec", "template", "spec"},
		"Job":         {"spec", "template", "spec"},
		"CronJob":     {"spec", "jobTemplate", "spec", "template", "spec"},
	}
	path, ok := paths[o.GetKind()]
	if !ok {
		return nil
	}
	spec, _, _ := unstructured.NestedMap(o.Object, path...)
	return spec
}

func TestAppLastAppliedConfigurationsAreTheirObjects(t *testing.T) {
	count := 0
	for _, obj := range appObjects(t) {
		raw, ok := obj.GetAnnotations()["kubectl.kubernetes.io/last-applied-configuration"]
		if !ok {
			continue
		}
		count++
		var applied map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &applied), "%s %s", obj.GetKind(), obj.GetName())
		a := unstructured.Unstructured{Object: applied}
		assert.Equal(t, obj.GetKind(), a.GetKind())
		assert.Equal(t, obj.GetName(), a.GetName())
		assert.Equal(t, obj.GetNamespace(), a.GetNamespace())
		if obj.GetKind() != "Ingress" {
			assert.Equal(t, obj.GetAPIVersion(), a.GetAPIVersion(), "%s %s", obj.GetKind(), obj.GetName())
		}
	}
	assert.Equal(t, 12, count, "objects a person applied with kubectl")
}

// What the issue names, object by object; the lead's expectations rest on these values.
func TestAppHoldsWhatA116ClusterHeld(t *testing.T) {
	objs := appObjects(t)
	cases := []struct {
		apiVersion, kind, name string
		path                   string
		want                   any
	}{
		{"apps/v1", "Deployment", "web", "spec.template.spec.containers.0.image", "docker.io/library/nginx:1.17"},
		{"apps/v1", "Deployment", "web", "spec.template.spec.initContainers.0.image", "busybox:1.31"},
		{"apps/v1", "Deployment", "web", "spec.template.spec.nodeName", "cn-hangzhou.192.168.0.12"},
		{"apps/v1", "Deployment", "web", "spec.template.spec.nodeSelector.kubernetes\\.io/hostname", "cn-hangzhou.192.168.0.12"},
		{"apps/v1", "Deployment", "web", "spec.template.spec.volumes.0.persistentVolumeClaim.claimName", "shared"},
		{"v1", "Pod", "debug", "spec.nodeName", "cn-hangzhou.192.168.0.12"},
		{"v1", "Pod", "debug", "spec.containers.0.image", "docker.io/library/alpine:3.10"},
		{"apps/v1", "StatefulSet", "db", "spec.template.spec.containers.0.image", "mysql:5.7"},
		{"apps/v1", "StatefulSet", "db", "spec.volumeClaimTemplates.0.metadata.name", "data"},
		{"apps/v1", "StatefulSet", "db", "spec.volumeClaimTemplates.0.spec.storageClassName", "alicloud-disk-ssd"},
		{"apps/v1", "StatefulSet", "db", "spec.volumeClaimTemplates.0.spec.resources.requests.storage", "10Gi"},
		{"apps/v1", "StatefulSet", "db", "spec.volumeClaimTemplates.0.spec.accessModes", []any{"ReadWriteOnce"}},
		{"v1", "PersistentVolumeClaim", "data-db-0", "spec.volumeName", "d-bp1legacy0000000001"},
		{"v1", "PersistentVolume", "d-bp1legacy0000000001", "spec.flexVolume.driver", "alicloud/disk"},
		{"v1", "PersistentVolume", "d-bp1legacy0000000001", "spec.flexVolume.options",
			map[string]any{"volumeId": "d-bp1legacy0000000001", "fsType": "ext4"}},
		{"v1", "PersistentVolume", "d-bp1legacy0000000001", "spec.persistentVolumeReclaimPolicy", "Retain"},
		{"v1", "PersistentVolume", "d-bp1legacy0000000001", "spec.storageClassName", "alicloud-disk-ssd"},
		{"v1", "PersistentVolume", "d-bp1legacy0000000001", "metadata.labels",
			map[string]any{"failure-domain.beta.kubernetes.io/zone": "cn-hangzhou-g", "failure-domain.beta.kubernetes.io/region": "cn-hangzhou"}},
		{"v1", "PersistentVolumeClaim", "shared", "spec.accessModes", []any{"ReadWriteMany"}},
		{"v1", "PersistentVolumeClaim", "shared", "spec.storageClassName", "alicloud-disk-efficiency"},
		{"v1", "PersistentVolume", "d-bp1legacy0000000002", "spec.flexVolume.driver", "alicloud/disk"},
		{"v1", "PersistentVolume", "nas-legacy-files", "spec.flexVolume.driver", "alicloud/nas"},
		{"v1", "PersistentVolume", "nas-legacy-files", "spec.flexVolume.options.server", "0cd8b4a576-abc12.cn-hangzhou.nas.aliyuncs.com"},
		{"v1", "PersistentVolume", "nas-legacy-files", "spec.flexVolume.options.path", "/legacy"},
		{"v1", "PersistentVolumeClaim", "files", "spec.accessModes", []any{"ReadWriteMany"}},
		{"v1", "PersistentVolumeClaim", "files", "spec.storageClassName", "alicloud-nas"},
		{"v1", "Service", "web", "spec.type", "LoadBalancer"},
		{"v1", "Service", "web", "metadata.annotations.service\\.beta\\.kubernetes\\.io/alibaba-cloud-loadbalancer-id", "lb-bp1legacyslb0001"},
		{"v1", "Service", "web", "spec.externalTrafficPolicy", "Local"},
		{"v1", "Service", "web", "spec.healthCheckNodePort", int64(32080)},
		{"v1", "Service", "web", "spec.ports.0.nodePort", int64(31080)},
		{"v1", "Service", "web", "spec.ports.1.nodePort", int64(31443)},
		{"v1", "Service", "web-internal", "spec.type", "NodePort"},
		{"v1", "Service", "web-internal", "spec.ports.0.nodePort", int64(30080)},
		{"extensions/v1beta1", "Ingress", "web", "metadata.annotations.kubernetes\\.io/ingress\\.class", "nginx"},
		{"extensions/v1beta1", "Ingress", "web", "spec.backend", map[string]any{"serviceName": "web", "servicePort": int64(80)}},
		{"extensions/v1beta1", "Ingress", "web", "spec.rules.0.http.paths.1.backend.servicePort", "http"},
		{"extensions/v1beta1", "Ingress", "web", "spec.tls.0.secretName", "web-tls"},
		{"networking.k8s.io/v1beta1", "Ingress", "web", "spec.backend.serviceName", "web"},
		{"batch/v1beta1", "CronJob", "report", "spec.jobTemplate.spec.template.spec.containers.0.image", "docker.io/library/busybox:1.31"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %s %s", c.kind, c.name, c.path), func(t *testing.T) {
			got, err := lookup(find(t, objs, c.apiVersion, c.kind, c.name).Object, c.path)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

// lookup follows a dotted path through maps and lists; "\." escapes a dot inside a key.
func lookup(obj map[string]any, path string) (any, error) {
	var cur any = obj
	for _, part := range splitPath(path) {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[part]
			if !ok {
				return nil, fmt.Errorf("%s: no key %q", path, part)
			}
			cur = next
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i >= len(v) {
				return nil, fmt.Errorf("%s: no index %q", path, part)
			}
			cur = v[i]
		default:
			return nil, fmt.Errorf("%s: %q is below a %T", path, part, cur)
		}
	}
	return cur, nil
}

func splitPath(path string) []string {
	parts := strings.Split(strings.ReplaceAll(path, `\.`, "\x00"), ".")
	for i := range parts {
		parts[i] = strings.ReplaceAll(parts[i], "\x00", ".")
	}
	return parts
}

func TestAppReturnsFreshCopies(t *testing.T) {
	first := appObjects(t)
	first[0].SetName("changed")
	assert.Equal(t, AppNamespace, appObjects(t)[0].GetName())
}

func TestDecodeYAMLSkipsCommentOnlyDocuments(t *testing.T) {
	objs, err := decodeYAML([]byte("# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  n: \"1\"\n---\n# trailing\n"))
	require.NoError(t, err)
	require.Len(t, objs, 1)
	assert.Equal(t, "a", objs[0].GetName())
	_, err = decodeYAML([]byte("apiVersion: v1\nkind: [\n"))
	assert.ErrorContains(t, err, "document 0")
}
