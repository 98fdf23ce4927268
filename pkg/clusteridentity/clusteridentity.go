// Package clusteridentity names the cluster a backup, a snapshot or a record comes from, the same way
// in the plugins and in csdr-controller: ACK Backup Center's rule, the UID of the kube-system
// namespace, which is stable for the life of a cluster and differs between clusters.
package clusteridentity

import (
	"context"
	"fmt"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// EnvVar, when set on velero server (whose plugins inherit it) and on csdr-controller, replaces the
// kube-system UID: for a cluster rebuilt from scratch that should keep its backups, or two
// installations that should act as one cluster. Both must then carry the same value.
const EnvVar = "CSDR_CLUSTER_IDENTITY"

// Namespace is the namespace whose UID is the identity.
const Namespace = "kube-system"

// Resolve returns override if it is set, else the UID of kube-system.
func Resolve(ctx context.Context, c client.Reader, override string) (string, error) {
	if override != "" {
		// The identity is a label value on records and a tag on snapshots.
		if errs := validation.IsValidLabelValue(override); len(errs) > 0 {
			return "", fmt.Errorf("cluster identity %q (%s): %s", override, EnvVar, strings.Join(errs, "; "))
		}
		return override, nil
	}
	var ns corev1.Namespace
	if err := c.Get(ctx, types.NamespacedName{Name: Namespace}, &ns); err != nil {
		return "", fmt.Errorf("read namespace %s for the cluster's identity: %w", Namespace, err)
	}
	if ns.UID == "" {
		return "", fmt.Errorf("read namespace %s for the cluster's identity: it has no UID", Namespace)
	}
	return string(ns.UID), nil
}

// FromEnvironment is Resolve with the override from EnvVar: what the plugins call.
func FromEnvironment(ctx context.Context, c client.Reader) (string, error) {
	return Resolve(ctx, c, os.Getenv(EnvVar))
}
