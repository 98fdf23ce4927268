// Package hbrsetup makes sure, once per process, that the cluster can use Cloud Backup: the region's
// vault, the cluster's container cluster registration, and the Secret whose token the nodes' hbr-client
// agents register with. The backup and restore reconcilers share one Registry.
package hbrsetup

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/env"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

const (
	// VaultName is ACK Backup Center's vault: one per region, shared by every cluster of the account.
	VaultName = "ack-backup-data"
	// TokenKey is the key of the token in the Secret, the variable the hbr-client agent reads.
	TokenKey = "HBR_TOKEN"
	// managedByLabel marks the Secret as the controller's, for whoever lists Secrets.
	managedByLabel = "app.kubernetes.io/managed-by"
	managedBy      = "csdr-controller"
)

// Target is where this cluster's HBR jobs go: the region's vault and the cluster's registration.
type Target struct{ Region, VaultName, VaultID, ContainerClusterID string }

// Registry ensures the Target once and hands it out afterwards. A failure is not kept: the next
// Ensure tries again, so a throttled or not yet activated account recovers without a restart.
type Registry struct {
	c   client.Client
	env env.Env
	log logrus.FieldLogger
	// sem admits one Ensure at a time (a channel rather than a mutex so that waiting honours ctx);
	// reconcilers that wait get the result of the one before them.
	sem    chan struct{}
	target *Target
	hbr    hbr.Client
}

// New returns a Registry that writes the token Secret through c and reaches HBR through e.NewHBR.
func New(c client.Client, e env.Env) *Registry {
	log := e.Log
	if log == nil {
		log = logrus.New()
	}
	return &Registry{c: c, env: e, log: log.WithField("component", "hbrsetup"), sem: make(chan struct{}, 1)}
}

// Ensure returns the Target, making the vault, the registration and the token Secret the first time.
func (r *Registry) Ensure(ctx context.Context) (Target, error) {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return Target{}, ctx.Err()
	}
	defer func() { <-r.sem }()
	if r.target != nil {
		return *r.target, nil
	}
	t, err := r.ensure(ctx)
	if err != nil {
		return Target{}, err
	}
	r.target = &t
	return t, nil
}

func (r *Registry) ensure(ctx context.Context) (Target, error) {
	if r.hbr == nil {
		c, err := r.env.NewHBR()
		if err != nil {
			return Target{}, fmt.Errorf("hbr client: %w", err)
		}
		r.hbr = c
	}
	region := r.env.Region
	vault, err := r.hbr.EnsureVault(ctx, region, VaultName)
	if err != nil {
		return Target{}, err // HBR's words first: ACK's users search for them
	}
	cluster, err := r.hbr.EnsureContainerCluster(ctx, region, hbr.ContainerClusterSpec{
		Identifier: r.env.Identity, Name: ClusterName(r.env.Identity),
		Description: "Kubernetes cluster backed up by csdr-controller"})
	if err != nil {
		return Target{}, err
	}
	if err := r.writeToken(ctx, cluster.Token); err != nil {
		return Target{}, err
	}
	t := Target{Region: region, VaultName: vault.Name, VaultID: vault.ID, ContainerClusterID: cluster.ID}
	r.log.WithFields(logrus.Fields{"region": region, "vault": vault.ID, "containerCluster": cluster.ID}).Info("HBR vault and container cluster ready")
	return t, nil
}

// ClusterName is the name the cluster registers with HBR as: csdr-<first 8 of its identity>.
func ClusterName(identity string) string {
	if len(identity) > 8 {
		identity = identity[:8]
	}
	return "csdr-" + identity
}

// writeToken creates the token Secret or updates it when the token differs. HBR answers a cluster it
// already knows without its token on some paths: an empty token leaves the Secret as it is.
func (r *Registry) writeToken(ctx context.Context, token hbr.Token) error {
	key := types.NamespacedName{Namespace: r.env.Namespace, Name: r.env.TokenSecret}
	log := r.log.WithFields(logrus.Fields{"namespace": key.Namespace, "secret": key.Name})
	var s corev1.Secret
	err := r.c.Get(ctx, key, &s)
	switch {
	case apierrors.IsNotFound(err):
		if token.IsZero() {
			return fmt.Errorf("hbr container cluster %s: HBR returned no token for Secret %s", r.env.Identity, key)
		}
		s = corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name,
			Labels: map[string]string{managedByLabel: managedBy}},
			Type: corev1.SecretTypeOpaque, Data: map[string][]byte{TokenKey: []byte(token.Reveal())}}
		if err := r.c.Create(ctx, &s); err != nil {
			return fmt.Errorf("create HBR token Secret %s: %w", key, err)
		}
		log.Info("HBR token Secret created")
		return nil
	case err != nil:
		return fmt.Errorf("read HBR token Secret %s: %w", key, err)
	}
	if token.IsZero() || string(s.Data[TokenKey]) == token.Reveal() {
		return nil
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	s.Data[TokenKey] = []byte(token.Reveal())
	if err := r.c.Update(ctx, &s); err != nil {
		return fmt.Errorf("update HBR token Secret %s: %w", key, err)
	}
	log.Info("HBR token Secret updated: the token differed")
	return nil
}
