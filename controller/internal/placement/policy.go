// Package placement decides on which node HBR's agent reads or writes a volume: ACK Backup Center's
// node policy from the csdr-config ConfigMap, the nodes it allows, the pod that mounts a claim there,
// and the temporary pod that mounts it when no pod does.
package placement

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// ApplicationBackupKey is the ConfigMap data key that holds the YAML of the application backup
// settings, ACK's format.
const ApplicationBackupKey = "applicationBackup"

// Schedule is node_schedule_policy: which nodes HBR's agent may work on.
type Schedule string

const (
	// ScheduleExclude (default): every node but those labelled agent-excluded=true.
	ScheduleExclude Schedule = "exclude"
	// ScheduleInclude: only nodes labelled agent-included=true.
	ScheduleInclude Schedule = "include"
	// SchedulePrefer: every node, those labelled agent-included=true first, agent-excluded=true last.
	SchedulePrefer Schedule = "prefer"
)

// Keys of applicationBackup. Only node_schedule_policy applies here; the others are ACK's and are
// checked and accepted so that one ConfigMap serves both, with a note that they do nothing.
const (
	keySchedulePolicy = "node_schedule_policy"
)

// ignoredKeys are ACK's keys without effect here, and why.
var ignoredKeys = map[string]string{
	"backup_max_worker_num":   "set --backup-workers instead",
	"restore_max_worker_num":  "set --restore-workers instead",
	"delete_max_worker_num":   "deletions run in the backup workers",
	"schedule_max_worker_num": "Velero runs schedules",
	"convert_max_worker_num":  "Velero's restore converts storage classes",
	"velero_timeout_minutes":  "set the Backup's itemOperationTimeout instead",
}

// Policy is the node policy in force.
type Policy struct {
	Schedule Schedule
	// Ignored names the settings given that have no effect here, each with the reason, e.g.
	// "applicationBackup.backup_max_worker_num (set --backup-workers instead)".
	Ignored []string
}

// DefaultPolicy is the policy without a ConfigMap.
func DefaultPolicy() Policy { return Policy{Schedule: ScheduleExclude} }

// LoadPolicy reads the policy from the ConfigMap namespace/name. No ConfigMap, or no
// applicationBackup key in it, is the default policy; a key or value it does not know is an error that
// says what it accepts.
func LoadPolicy(ctx context.Context, r client.Reader, namespace, name string) (Policy, error) {
	var cm corev1.ConfigMap
	err := r.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &cm)
	switch {
	case apierrors.IsNotFound(err):
		return DefaultPolicy(), nil
	case err != nil:
		return Policy{}, fmt.Errorf("read ConfigMap %s/%s: %w", namespace, name, err)
	}
	p, err := ParsePolicy(cm.Data)
	if err != nil {
		return Policy{}, fmt.Errorf("ConfigMap %s/%s: %w", namespace, name, err)
	}
	return p, nil
}

// ParsePolicy reads the policy from a ConfigMap's data.
func ParsePolicy(data map[string]string) (Policy, error) {
	p := DefaultPolicy()
	for key := range data {
		if key != ApplicationBackupKey {
			p.Ignored = append(p.Ignored, key+" (only "+ApplicationBackupKey+" applies to csdr-controller)")
		}
	}
	text, ok := data[ApplicationBackupKey]
	if !ok {
		sort.Strings(p.Ignored)
		return p, nil
	}
	var settings map[string]any
	if err := yaml.Unmarshal([]byte(text), &settings); err != nil {
		return Policy{}, fmt.Errorf("%s is not a YAML map: %w", ApplicationBackupKey, err)
	}
	for key, value := range settings {
		field := ApplicationBackupKey + "." + key
		switch reason, ignored := ignoredKeys[key]; {
		case key == keySchedulePolicy:
			s, _ := value.(string)
			switch Schedule(s) {
			case ScheduleExclude, ScheduleInclude, SchedulePrefer:
				p.Schedule = Schedule(s)
			default:
				return Policy{}, fmt.Errorf("%s: %v is not one of exclude, include, prefer", field, value)
			}
		case ignored:
			if !positiveInteger(value) {
				return Policy{}, fmt.Errorf("%s: %v is not a positive integer", field, value)
			}
			p.Ignored = append(p.Ignored, field+" ("+reason+")")
		default:
			return Policy{}, fmt.Errorf("%s is not a known key; valid keys: %s", field, strings.Join(validKeys(), ", "))
		}
	}
	sort.Strings(p.Ignored)
	return p, nil
}

func validKeys() []string {
	keys := []string{keySchedulePolicy}
	for k := range ignoredKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// positiveInteger accepts 15 and "15", as ACK's examples write both.
func positiveInteger(v any) bool {
	switch n := v.(type) {
	case float64:
		return n >= 1 && n == math.Trunc(n)
	case string:
		i, err := strconv.Atoi(n)
		return err == nil && i >= 1
	}
	return false
}
