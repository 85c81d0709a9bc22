package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cis2-golive/cis2-golive/model"
)

// maxSubmissionFile bounds a submission file: one is a few kilobytes of configuration and
// check evidence.
const maxSubmissionFile = 4 << 20

// ReadSubmitted reads the configuration that was sent to NHS: the cis2-production-config.json
// `submission` wrote, or a configuration file in any form `check --config` reads. The
// submission's values go through the same loader as a configuration (model.Parse), so a
// secret or a control character in an edited file is refused the same way.
func ReadSubmitted(path string) (*model.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read submission %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSubmissionFile+1))
	if err != nil {
		return nil, fmt.Errorf("read submission %s: %w", path, err)
	}
	if len(data) > maxSubmissionFile {
		return nil, fmt.Errorf("read submission %s: larger than 4 MiB; pass the %s that `cis2-golive submission` wrote", path, SubmissionJSONFile)
	}
	var probe struct {
		Client *json.RawMessage `json:"client"`
		Checks *json.RawMessage `json:"checks"`
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) && json.Unmarshal(data, &probe) == nil && probe.Client != nil && probe.Checks != nil {
		return submittedConfig(path, data)
	}
	cfg, _, err := model.Parse(path, data)
	return cfg, err
}

// submittedConfig turns a submission file back into the configuration it was written from.
func submittedConfig(path string, data []byte) (*model.Config, error) {
	var s Submission
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read submission %s: not the %s `cis2-golive submission` writes: %v", path, SubmissionJSONFile, err)
	}
	cfg := model.Config{
		Environment:                 model.Environment(s.Environment),
		Organisation:                s.Organisation,
		Product:                     s.Client.ClientName,
		ContactEmail:                s.Contact,
		Description:                 s.Client.Description,
		ClientID:                    s.ClientID,
		RedirectURIs:                s.Client.RedirectURIs,
		BackchannelLogoutURI:        s.Client.BackchannelLogoutURI,
		TokenEndpointAuthMethod:     model.AuthMethod(s.Client.TokenEndpointAuthMethod),
		JWKSURI:                     s.Client.JWKSURI,
		TokenEndpointAuthSigningAlg: s.Client.JWKSURISigningAlgorithm,
		UserinfoSignedResponseAlg:   s.UserinfoSignedResponseAlg,
	}
	doc, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("read submission %s: %w", path, err)
	}
	out, _, err := model.Parse(path, doc)
	var le *model.LoadError
	if errors.As(err, &le) {
		le.Line = 0 // the line is the rebuilt document's, not the file's
	}
	return out, err
}
