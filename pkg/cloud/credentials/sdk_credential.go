package credentials

import (
	"context"

	"github.com/aliyun/credentials-go/credentials"
)

// Source hands out current credentials: a *Provider, or fixed keys in tests.
type Source interface {
	Credentials(ctx context.Context) (Credentials, error)
}

// SDKCredential returns src as a credentials-go Credential, for darabonba-openapi
// clients (ECS, HBR): openapi.Config{Credential: SDKCredential(src)}.
//
// It is a view of src rather than a credentials-go object of its own, so every
// client built from one Provider shares one cache, and concurrent requests are
// safe (credentials-go's session providers are not). darabonba-openapi asks
// for credentials without a context; refreshes are bounded by credentials-go's
// own HTTP timeouts (a few seconds).
func SDKCredential(src Source) credentials.Credential { return sdkCredential{src} }

// Credential is SDKCredential(p).
func (p *Provider) Credential() credentials.Credential { return sdkCredential{p} }

type sdkCredential struct{ p Source }

// typeOf is the credentials-go type name of the source: a Provider knows it; otherwise static keys
// are sts when they carry a token.
func (c sdkCredential) typeOf(creds Credentials) string {
	if p, ok := c.p.(*Provider); ok {
		return p.sdkType
	}
	if creds.SecurityToken != "" {
		return "sts"
	}
	return "access_key"
}

var _ credentials.Credential = sdkCredential{}

// GetCredential is the call darabonba-openapi makes before each request.
func (c sdkCredential) GetCredential() (*credentials.CredentialModel, error) {
	creds, err := c.p.Credentials(context.Background())
	if err != nil {
		return nil, err
	}
	sdkType := c.typeOf(creds)
	return &credentials.CredentialModel{
		AccessKeyId:     &creds.AccessKeyID,
		AccessKeySecret: &creds.AccessKeySecret,
		SecurityToken:   &creds.SecurityToken,
		Type:            &sdkType,
		ProviderName:    &sdkType,
	}, nil
}

// GetAccessKeyId is deprecated in credentials-go but still part of its interface.
func (c sdkCredential) GetAccessKeyId() (*string, error) {
	creds, err := c.p.Credentials(context.Background())
	if err != nil {
		return nil, err
	}
	return &creds.AccessKeyID, nil
}

// GetAccessKeySecret is deprecated in credentials-go but still part of its interface.
func (c sdkCredential) GetAccessKeySecret() (*string, error) {
	creds, err := c.p.Credentials(context.Background())
	if err != nil {
		return nil, err
	}
	return &creds.AccessKeySecret, nil
}

// GetSecurityToken is deprecated in credentials-go but still part of its interface.
func (c sdkCredential) GetSecurityToken() (*string, error) {
	creds, err := c.p.Credentials(context.Background())
	if err != nil {
		return nil, err
	}
	return &creds.SecurityToken, nil
}

// GetBearerToken returns an empty token: no source here issues bearer tokens.
func (c sdkCredential) GetBearerToken() *string {
	empty := ""
	return &empty
}

// GetType is the credentials-go type name matching the source.
func (c sdkCredential) GetType() *string {
	creds, _ := c.p.Credentials(context.Background())
	sdkType := c.typeOf(creds)
	return &sdkType
}

// String keeps %v of the adapter (and of an openapi.Config holding it) safe: a Provider redacts itself,
// and other sources are not printed at all.
func (c sdkCredential) String() string {
	if p, ok := c.p.(*Provider); ok {
		return p.String()
	}
	return "credentials.Source"
}
