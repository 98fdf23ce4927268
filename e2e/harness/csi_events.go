package harness

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// csiComponent is the event source the layer records as, where a cluster would show its CSI
// provisioner or kubelet.
const csiComponent = "harness-csi"

// labelNodes gives every node the topology key of each zonal driver with the node's zone, as those
// drivers' node plugins do when they register.
func (l *csiLayer) labelNodes(ctx context.Context) error {
	for _, n := range l.c.Nodes() {
		labels := map[string]string{}
		for _, d := range l.drivers {
			if d.Kind != CSIShared {
				labels[d.TopologyKey] = n.Zone
			}
		}
		patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": labels}})
		if err != nil {
			return err
		}
		if _, err := l.kube.CoreV1().Nodes().Patch(ctx, n.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("label node %s with its drivers' topology: %w", n.Name, err)
		}
	}
	return nil
}

// eventSubject is what an event is about.
type eventSubject struct {
	kind            string
	namespace, name string
	uid             types.UID
}

func claimSubject(pvc *corev1.PersistentVolumeClaim) eventSubject {
	return eventSubject{"PersistentVolumeClaim", pvc.Namespace, pvc.Name, pvc.UID}
}

func podSubject(pod *corev1.Pod) eventSubject {
	return eventSubject{"Pod", pod.Namespace, pod.Name, pod.UID}
}

// event records an event on a claim or pod once per distinct reason and message: the loop comes back
// every second, a user wants to read the news, not a repetition.
func (l *csiLayer) event(ctx context.Context, s eventSubject, typ, reason, message string) {
	key := "event/" + string(s.uid) + "/" + reason
	if l.reported[key] == message {
		return
	}
	l.reported[key] = message
	log := l.log.WithFields(map[string]any{"kind": s.kind, "namespace": s.namespace, "name": s.name, "reason": reason})
	if typ == corev1.EventTypeWarning {
		log.Warn(message)
	} else {
		log.Info(message)
	}
	now := metav1.Now()
	ev := &corev1.Event{
		// Named as client-go's recorder names events: the object and a timestamp.
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", s.name, now.UnixNano()), Namespace: s.namespace},
		InvolvedObject: corev1.ObjectReference{Kind: s.kind, APIVersion: schema.GroupVersion{Version: "v1"}.String(),
			Namespace: s.namespace, Name: s.name, UID: s.uid},
		Reason: reason, Message: message, Type: typ, Source: corev1.EventSource{Component: csiComponent},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
	if _, err := l.kube.CoreV1().Events(s.namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		log.WithError(err).Warn("record event")
	}
}

// forget drops what was said about a subject once it is settled, so a new problem is reported again.
func (l *csiLayer) forget(uid types.UID, reason string) {
	delete(l.reported, "event/"+string(uid)+"/"+reason)
}

// fail logs an error about a subject once per distinct message.
func (l *csiLayer) fail(subject string, err error) {
	if l.reported["error/"+subject] == err.Error() {
		return
	}
	l.reported["error/"+subject] = err.Error()
	l.log.WithField("subject", subject).WithError(err).Warn("csi layer")
}
