package sim

import (
	"html/template"
	"net/http"

	"github.com/cis2-golive/cis2-golive/model"
)

// The pages are small and self-contained (no scripts, no external assets), so they work in
// any browser and under a strict Content-Security-Policy.
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · CIS2 (cis2-golive sim)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#212b32}
h1{font-size:1.5rem}.banner{background:#005eb8;color:#fff;padding:.5rem 1rem;border-radius:4px}
fieldset{border:1px solid #d8dde0;margin:1rem 0;padding:.5rem 1rem}label{display:block;margin:.4rem 0}
small{color:#4c6272}.error{border-left:6px solid #d5281b;padding-left:1rem}
button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}
</style>
<p class="banner">CIS2 stand-in for development (cis2-golive sim): not NHS England's service</p>
{{end}}

{{define "signin"}}{{template "head" "Sign in"}}
<h1>Sign in to {{.Product}}</h1>
<p><small>Client {{.ClientID}} · returns to {{.Redirect}}</small></p>
{{if .Note}}<p class="error">{{.Note}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="txn" value="{{.Txn}}">
<fieldset><legend>Test user</legend>
{{range $i, $u := .Users}}<label><input type="radio" name="uid" value="{{$u.UID}}"{{if eq $i 0}} checked{{end}}>
{{$u.Name}} <small>uid {{$u.UID}}{{range $u.Roles}} · {{.RoleName}} ({{.RoleCode}}) at {{.OrgCode}}{{end}}</small></label>
{{end}}</fieldset>
<fieldset><legend>Authenticator{{if .ACR}} (the application asked for {{.ACR}}){{end}}</legend>
{{range $i, $a := .Authenticators}}<label><input type="radio" name="amr" value="{{$a.AMR}}"{{if eq $i 0}} checked{{end}}>
{{$a.Name}} <small>AAL{{$a.AAL}} · amr {{$a.AMR}}</small></label>
{{end}}</fieldset>
<button type="submit">Sign in</button><button type="submit" name="cancel" value="1">Cancel</button>
</form>
<p><small>Scripts skip this page with login_hint=&lt;uid&gt; or cis2-golive sim --auto-login UID.</small></p>
{{end}}

{{define "error"}}{{template "head" "Error"}}
<h1>Sign-in cannot continue</h1>
<div class="error"><p><strong>{{.Code}}</strong></p><p>{{.Plain}}</p></div>
{{end}}

{{define "signedout"}}{{template "head" "Signed out"}}
<h1>You are signed out of CIS2</h1>
<p>{{.}}</p>
{{end}}
`))

type signInPage struct {
	Product, ClientID, Redirect, Note, Action, Txn, ACR string
	Users                                               []User
	Authenticators                                      []model.Authenticator
}

func (p *Provider) renderSignIn(w http.ResponseWriter, txn string, req authRequest, note string) {
	var auths []model.Authenticator
	for _, a := range model.CIS2.Authenticators {
		if _, _, ok := authenticatorFor(req.acrValues, a.AMR); ok {
			auths = append(auths, a)
		}
	}
	acr := ""
	for i, v := range req.acrValues {
		if i > 0 {
			acr += " or "
		}
		acr += v
	}
	product := p.client.Product
	if product == "" {
		product = "the application"
	}
	render(w, http.StatusOK, "signin", signInPage{Product: product, ClientID: p.client.ClientID, Redirect: req.redirectURI,
		Note: note, Action: signInPath, Txn: txn, ACR: acr, Users: p.opts.Users, Authenticators: auths})
}

func renderError(w http.ResponseWriter, status int, code, plain string) {
	render(w, status, "error", struct{ Code, Plain string }{code, plain})
}

func render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	pages.ExecuteTemplate(w, name, data)
}
