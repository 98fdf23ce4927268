package oss

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The XML documents OSS exchanges, as far as the emulated operations need them. Element names and order
// follow the OSS API reference; the SDK decodes by name, so order only matters to human readers.

const xmlTime = "2006-01-02T15:04:05.000Z"

// formatXMLTime writes a time as OSS does: to the second, like the Last-Modified header of the same
// object, so a listing and a HEAD agree.
func formatXMLTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(xmlTime) }

// emulatedOwner stands for the single account that owns everything in the emulator.
var emulatedOwner = xmlOwner{ID: "1000000000000000", DisplayName: "1000000000000000"}

type xmlOwner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type xmlObject struct {
	Key          string    `xml:"Key"`
	LastModified string    `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Type         string    `xml:"Type"`
	Size         int64     `xml:"Size"`
	StorageClass string    `xml:"StorageClass"`
	Owner        *xmlOwner `xml:"Owner,omitempty"`
}

type xmlPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucketResult struct {
	XMLName        xml.Name    `xml:"ListBucketResult"`
	Name           string      `xml:"Name"`
	Prefix         string      `xml:"Prefix"`
	Marker         string      `xml:"Marker"`
	MaxKeys        int         `xml:"MaxKeys"`
	Delimiter      string      `xml:"Delimiter"`
	EncodingType   string      `xml:"EncodingType,omitempty"`
	IsTruncated    bool        `xml:"IsTruncated"`
	NextMarker     string      `xml:"NextMarker,omitempty"`
	Contents       []xmlObject `xml:"Contents"`
	CommonPrefixes []xmlPrefix `xml:"CommonPrefixes"`
}

type listBucketResultV2 struct {
	XMLName               xml.Name    `xml:"ListBucketResult"`
	Name                  string      `xml:"Name"`
	Prefix                string      `xml:"Prefix"`
	StartAfter            string      `xml:"StartAfter,omitempty"`
	ContinuationToken     string      `xml:"ContinuationToken,omitempty"`
	MaxKeys               int         `xml:"MaxKeys"`
	Delimiter             string      `xml:"Delimiter"`
	EncodingType          string      `xml:"EncodingType,omitempty"`
	IsTruncated           bool        `xml:"IsTruncated"`
	NextContinuationToken string      `xml:"NextContinuationToken,omitempty"`
	KeyCount              int         `xml:"KeyCount"`
	Contents              []xmlObject `xml:"Contents"`
	CommonPrefixes        []xmlPrefix `xml:"CommonPrefixes"`
}

type initiateResult struct {
	XMLName      xml.Name `xml:"InitiateMultipartUploadResult"`
	Bucket       string   `xml:"Bucket"`
	Key          string   `xml:"Key"`
	UploadID     string   `xml:"UploadId"`
	EncodingType string   `xml:"EncodingType,omitempty"`
}

type completePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
}

type completeRequest struct {
	XMLName xml.Name       `xml:"CompleteMultipartUpload"`
	Parts   []completePart `xml:"Part"`
}

type completeResult struct {
	XMLName      xml.Name `xml:"CompleteMultipartUploadResult"`
	EncodingType string   `xml:"EncodingType,omitempty"`
	Location     string   `xml:"Location"`
	Bucket       string   `xml:"Bucket"`
	Key          string   `xml:"Key"`
	ETag         string   `xml:"ETag"`
}

type xmlPart struct {
	PartNumber    int    `xml:"PartNumber"`
	LastModified  string `xml:"LastModified"`
	ETag          string `xml:"ETag"`
	HashCrc64ecma string `xml:"HashCrc64ecma"`
	Size          int64  `xml:"Size"`
}

type listPartsResult struct {
	XMLName              xml.Name  `xml:"ListPartsResult"`
	Bucket               string    `xml:"Bucket"`
	EncodingType         string    `xml:"EncodingType,omitempty"`
	Key                  string    `xml:"Key"`
	UploadID             string    `xml:"UploadId"`
	StorageClass         string    `xml:"StorageClass"`
	PartNumberMarker     int       `xml:"PartNumberMarker"`
	NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
	MaxParts             int       `xml:"MaxParts"`
	IsTruncated          bool      `xml:"IsTruncated"`
	Parts                []xmlPart `xml:"Part"`
}

type xmlUpload struct {
	Key          string `xml:"Key"`
	UploadID     string `xml:"UploadId"`
	StorageClass string `xml:"StorageClass"`
	Initiated    string `xml:"Initiated"`
}

type listUploadsResult struct {
	XMLName            xml.Name    `xml:"ListMultipartUploadsResult"`
	Bucket             string      `xml:"Bucket"`
	EncodingType       string      `xml:"EncodingType,omitempty"`
	KeyMarker          string      `xml:"KeyMarker"`
	UploadIDMarker     string      `xml:"UploadIdMarker"`
	NextKeyMarker      string      `xml:"NextKeyMarker"`
	NextUploadIDMarker string      `xml:"NextUploadIdMarker"`
	Delimiter          string      `xml:"Delimiter"`
	Prefix             string      `xml:"Prefix"`
	MaxUploads         int         `xml:"MaxUploads"`
	IsTruncated        bool        `xml:"IsTruncated"`
	Uploads            []xmlUpload `xml:"Upload"`
	CommonPrefixes     []xmlPrefix `xml:"CommonPrefixes"`
}

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key string `xml:"Key"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName      xml.Name `xml:"DeleteResult"`
	EncodingType string   `xml:"EncodingType,omitempty"`
	Deleted      []struct {
		Key string `xml:"Key"`
	} `xml:"Deleted"`
}

type xmlBucket struct {
	Name             string `xml:"Name"`
	Location         string `xml:"Location"`
	CreationDate     string `xml:"CreationDate"`
	ExtranetEndpoint string `xml:"ExtranetEndpoint"`
	IntranetEndpoint string `xml:"IntranetEndpoint"`
	Region           string `xml:"Region"`
	StorageClass     string `xml:"StorageClass"`
}

type bucketInfoResult struct {
	XMLName xml.Name `xml:"BucketInfo"`
	Bucket  struct {
		xmlBucket
		AccessMonitor      string   `xml:"AccessMonitor"`
		ACL                string   `xml:"AccessControlList>Grant"`
		DataRedundancyType string   `xml:"DataRedundancyType"`
		Owner              xmlOwner `xml:"Owner"`
		SSEAlgorithm       string   `xml:"ServerSideEncryptionRule>SSEAlgorithm"`
		Versioning         string   `xml:"Versioning,omitempty"`
		Comment            string   `xml:"Comment"`
	} `xml:"Bucket"`
}

type accessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   xmlOwner `xml:"Owner"`
	ACL     string   `xml:"AccessControlList>Grant"`
}

type listBucketsResult struct {
	XMLName     xml.Name    `xml:"ListAllMyBucketsResult"`
	Prefix      string      `xml:"Prefix"`
	Marker      string      `xml:"Marker"`
	MaxKeys     int         `xml:"MaxKeys"`
	IsTruncated bool        `xml:"IsTruncated"`
	NextMarker  string      `xml:"NextMarker,omitempty"`
	Owner       xmlOwner    `xml:"Owner"`
	Buckets     []xmlBucket `xml:"Buckets>Bucket"`
}

// writeXML sends a 200 response with an XML document.
func (c *call) writeXML(v any) *apiError {
	body, err := xml.Marshal(v)
	if err != nil {
		return errInternal(err)
	}
	body = append([]byte(xml.Header), body...)
	h := c.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(body)
	return nil
}

// encoder applies encoding-type=url, which keeps keys with control characters or "+" intact through XML
// and through the SDK's url.QueryUnescape. Spaces become %20 so the value decodes the same way as a path.
type encoder bool

func (c *call) encoder() (encoder, *apiError) {
	switch v := c.query.Get("encoding-type"); v {
	case "":
		return false, nil
	case "url":
		return true, nil
	default:
		return false, errInvalidArgument("The encoding-type parameter must be url.", "encoding-type", v)
	}
}

func (e encoder) apply(s string) string {
	if !e || s == "" {
		return s
	}
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func (e encoder) name() string {
	if e {
		return "url"
	}
	return ""
}
