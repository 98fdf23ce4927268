package hbr

import (
	"context"
	"errors"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/sirupsen/logrus"
)

// ClusterTypeACK is the only cluster type AddContainerCluster accepts.
const ClusterTypeACK = "ACK"

// FindContainerCluster pages DescribeContainerCluster: it has no filter but the cluster ID.
func (c *client) FindContainerCluster(ctx context.Context, region, identifier string) (*ContainerCluster, error) {
	var reqID string
	for page := int32(1); ; page++ {
		req := &hbrsdk.DescribeContainerClusterRequest{PageNumber: tea.Int32(page), PageSize: tea.Int32(pageSize)}
		out, err := call(ctx, c, "DescribeContainerCluster", region, identifier, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.DescribeContainerClusterResponse, error) {
			return sdk.DescribeContainerClusterWithOptions(req, rt)
		})
		if err != nil {
			return nil, err
		}
		reqID = tea.StringValue(out.Body.RequestId)
		for _, cl := range out.Body.Clusters {
			if tea.StringValue(cl.Identifier) == identifier {
				return clusterFrom(cl), nil
			}
		}
		if len(out.Body.Clusters) < pageSize || int64(page)*pageSize >= tea.Int64Value(out.Body.TotalCount) {
			break
		}
	}
	return nil, notFound("DescribeContainerCluster", identifier, reqID, "no container cluster with identifier "+identifier)
}

func clusterFrom(cl *hbrsdk.DescribeContainerClusterResponseBodyClusters) *ContainerCluster {
	return &ContainerCluster{ID: tea.StringValue(cl.ClusterId), Identifier: tea.StringValue(cl.Identifier),
		Name: tea.StringValue(cl.Name), NetworkType: tea.StringValue(cl.NetworkType),
		AgentStatus: tea.StringValue(cl.AgentStatus), Token: NewToken(tea.StringValue(cl.Token))}
}

// EnsureContainerCluster finds or registers the cluster. AddContainerCluster takes no idempotency token:
// after an attempt whose answer was lost, the cluster is looked up by identifier before it is added again.
func (c *client) EnsureContainerCluster(ctx context.Context, region string, spec ContainerClusterSpec) (*ContainerCluster, error) {
	if spec.Identifier == "" {
		return nil, errors.New("hbr AddContainerCluster: no cluster identifier")
	}
	return ensure(ctx, c, "AddContainerCluster", logrus.Fields{"region": region, "identifier": spec.Identifier},
		func() (*ContainerCluster, error) { return c.FindContainerCluster(ctx, region, spec.Identifier) },
		func() (*ContainerCluster, error) { return c.addContainerCluster(ctx, region, spec) })
}

func (c *client) addContainerCluster(ctx context.Context, region string, spec ContainerClusterSpec) (*ContainerCluster, error) {
	network := spec.NetworkType
	if network == "" {
		network = "VPC"
	}
	req := &hbrsdk.AddContainerClusterRequest{ClusterType: tea.String(ClusterTypeACK), Identifier: tea.String(spec.Identifier),
		Name: optString(spec.Name), Description: optString(spec.Description), NetworkType: tea.String(network)}
	out, err := once(ctx, c, "AddContainerCluster", region, spec.Identifier, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.AddContainerClusterResponse, error) {
		return sdk.AddContainerClusterWithOptions(req, rt)
	})
	if err != nil {
		return nil, err
	}
	if tea.StringValue(out.Body.ClusterId) == "" || tea.StringValue(out.Body.Token) == "" {
		return nil, incomplete("AddContainerCluster", spec.Identifier, tea.StringValue(out.Body.RequestId), "cluster ID and token")
	}
	return &ContainerCluster{ID: tea.StringValue(out.Body.ClusterId), Identifier: spec.Identifier, Name: spec.Name,
		NetworkType: network, Token: NewToken(tea.StringValue(out.Body.Token))}, nil
}
