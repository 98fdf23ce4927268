package pvdisk

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// FuzzSetDisk: whatever JSON a PV holds, DiskOf and SetDisk never panic, never modify their input, and
// a PV SetDisk returns is a disk PV of the new disk in the new zone (a Flex PV may name no zone).
func FuzzSetDisk(f *testing.F) {
	f.Add(`{"metadata":{"name":"pv"},"spec":{"csi":{"driver":"diskplugin.csi.alibabacloud.com","volumeHandle":"d-1"}}}`)
	f.Add(`{"metadata":{"labels":{"topology.kubernetes.io/zone":"x"}},"spec":{"flexVolume":{"driver":"alicloud/disk","options":{"volumeId":"d-1"}}}}`)
	f.Add(`{"spec":{"csi":{"driver":"diskplugin.csi.alibabacloud.com","volumeHandle":"d-1"},"nodeAffinity":{"required":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"topology.kubernetes.io/zone","operator":"NotIn","values":["a"]}]},{}]}}}}`)
	f.Add(`{"spec":{"csi":{"driver":"diskplugin.csi.alibabacloud.com","volumeHandle":"d-1"},"nodeAffinity":{"required":{"nodeSelectorTerms":[3]}}}}`)
	f.Add(`{"spec":{"csi":"x"}}`)
	f.Add(`{"spec":{"nfs":{"server":"10.0.0.1","path":"/"}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		var obj map[string]any
		if utiljson.Unmarshal([]byte(doc), &obj) != nil || obj == nil {
			return
		}
		pv := &unstructured.Unstructured{Object: obj}
		before := pv.DeepCopy()
		vol, ok, err := DiskOf(pv)
		if err == nil && ok && vol.DiskID == "" {
			t.Fatal("a disk PV without a disk ID")
		}
		out, err := SetDisk(pv, "d-new", "cn-shanghai-b", "cn-shanghai")
		if !reflect.DeepEqual(before.Object, pv.Object) {
			t.Fatal("SetDisk modified its input")
		}
		if err != nil {
			return
		}
		moved, ok, err := DiskOf(out)
		if err != nil || !ok || moved.DiskID != "d-new" {
			t.Fatalf("SetDisk returned %+v, ok=%v, err=%v", moved, ok, err)
		}
		if moved.Zone != "cn-shanghai-b" && (moved.Kind == CSIVolume || moved.Zone != "") {
			t.Fatalf("SetDisk left the PV in zone %q", moved.Zone)
		}
	})
}
