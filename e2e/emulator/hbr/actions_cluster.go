package hbr

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// Agent statuses DescribeContainerCluster reports: whether any node of the cluster runs an hbr-client.
const (
	AgentOnline  = "ONLINE"
	AgentOffline = "OFFLINE"
)

type addClusterResponse struct {
	base
	ClusterID string `json:"ClusterId"`
	Token     string `json:"Token"`
}

func (s *Service) addContainerCluster(c *call) (any, *rpc.Error) {
	typ, e := c.p.Required("ClusterType")
	if e != nil {
		return nil, e
	}
	if typ != "ACK" {
		return nil, rpc.ErrInvalidParam("ClusterType", "Valid values: ACK.")
	}
	identifier, e := c.p.Required("Identifier")
	if e != nil {
		return nil, e
	}
	for _, cl := range s.st.clusters {
		if cl.Identifier == identifier {
			return nil, refuse(CodeClusterExists, "The container cluster %s is already registered as %s.", identifier, cl.ID)
		}
	}
	network := orDefault(c.p.Str("NetworkType"), "VPC")
	if network != "VPC" && network != "CLASSIC" {
		return nil, rpc.ErrInvalidParam("NetworkType", "Valid values: CLASSIC, VPC.")
	}
	var tok [48]byte
	_, _ = rand.Read(tok[:])
	cl := &Cluster{ID: rpc.NewID("cc-", 20), Type: typ, Identifier: identifier, Name: orDefault(c.p.Str("Name"), identifier),
		Description: c.p.Str("Description"), NetworkType: network, Token: base64.StdEncoding.EncodeToString(tok[:]), Created: c.now}
	s.st.clusters[cl.ID] = cl
	return addClusterResponse{base: c.ok(), ClusterID: cl.ID, Token: cl.Token}, nil
}

type clusterOut struct {
	ClusterID   string `json:"ClusterId"`
	ClusterType string `json:"ClusterType"`
	Identifier  string `json:"Identifier"`
	Name        string `json:"Name"`
	Description string `json:"Description"`
	NetworkType string `json:"NetworkType"`
	AgentStatus string `json:"AgentStatus"`
	Token       string `json:"Token"`
}

type describeClustersResponse struct {
	base
	TotalCount int64        `json:"TotalCount"`
	PageNumber int32        `json:"PageNumber"`
	PageSize   int32        `json:"PageSize"`
	Clusters   []clusterOut `json:"Clusters"`
}

func (s *Service) describeContainerCluster(c *call) (any, *rpc.Error) {
	id := c.p.Str("ClusterId")
	var found []clusterOut
	for _, cl := range svc.SortedValues(s.st.clusters) {
		if id != "" && cl.ID != id {
			continue
		}
		found = append(found, clusterOut{ClusterID: cl.ID, ClusterType: cl.Type, Identifier: cl.Identifier, Name: cl.Name,
			Description: cl.Description, NetworkType: cl.NetworkType, AgentStatus: s.agentStatus(cl.Identifier), Token: cl.Token})
	}
	start, end, num, size, e := pageOf(c.p, len(found))
	if e != nil {
		return nil, e
	}
	return describeClustersResponse{base: c.ok(), TotalCount: int64(len(found)), PageNumber: num, PageSize: size,
		Clusters: append([]clusterOut{}, found[start:end]...)}, nil
}

func (s *Service) agentStatus(identifier string) string {
	for _, a := range s.st.agents {
		if a.Cluster == identifier {
			return AgentOnline
		}
	}
	return AgentOffline
}
