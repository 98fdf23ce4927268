// Package kubelet holds the kubelet's on-disk facts that Cloud Backup depends on: where a pod's volume
// lives on its node. HBR's agent reads and writes volumes at these paths, so the controller composes
// them, and the local harness's fake kubelet mounts volumes at the same paths.
package kubelet
