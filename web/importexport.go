package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/tabular"
)

// importOptions reads sheet, header row and column mapping ("Header=field", repeated).
func importOptions(v url.Values) (tabular.Options, error) {
	opts := tabular.Options{Sheet: v.Get("sheet"), Mapping: map[string]string{}}
	if h := v.Get("header_row"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 {
			return opts, bulwark.Invalid("header_row", "must be a row number such as 3")
		}
		opts.HeaderRow = n
	}
	for _, m := range v["map"] {
		header, field, ok := strings.Cut(m, "=")
		if !ok || strings.TrimSpace(header) == "" {
			return opts, bulwark.Invalid("map", fmt.Sprintf("%q must be written Header=field", m))
		}
		opts.Mapping[header] = field
	}
	return opts, nil
}

// register describes a register that imports and exports spreadsheets.
type register struct {
	Kind   string // URL segment and upload kind: assets, risks
	Title  string
	Fields []tabular.Field
	Import func(ctx context.Context, p *bulwark.Principal, t *tabular.Table, dryRun bool) (*app.ImportResult, error)
	Export func(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error
}

func (s *Server) registers() map[string]register {
	return map[string]register{
		"assets": {Kind: "assets", Title: "assets", Fields: app.AssetFields, Import: s.svc.ImportAssets, Export: s.svc.ExportAssets},
		"risks":  {Kind: "risks", Title: "risks", Fields: app.RiskFields, Import: s.svc.ImportRisks, Export: s.svc.ExportRisks},
	}
}

// readTable parses an uploaded spreadsheet; a bad file is a 422 naming the file.
func readTable(content []byte, filename string, fields []tabular.Field, opts tabular.Options) (*tabular.Table, error) {
	t, err := tabular.Read(bytes.NewReader(content), filename, fields, opts)
	var fe *tabular.FormatError
	if errors.As(err, &fe) {
		return nil, bulwark.Invalid("file", fe.Error())
	}
	return t, err
}

// uploadedFile reads the request's file: multipart field "file", or the raw body
// with ?filename=. Bodies over --max-upload are refused while streaming (413).
func (s *Server) uploadedFile(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	tooLarge := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bulwark.Errorf(bulwark.ETOOLARGE, "The file is larger than the %d MB allowed.", s.cfg.MaxUpload>>20)
		}
		return bulwark.Errorf(bulwark.EMALFORMED, "The upload could not be read.")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			if errors.Is(err, http.ErrMissingFile) {
				return "", nil, bulwark.Invalid("file", "choose a .xlsx or .csv file to upload")
			}
			return "", nil, tooLarge(err)
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return "", nil, tooLarge(err)
		}
		return filepath.Base(hdr.Filename), b, nil
	}
	name := r.URL.Query().Get("filename")
	if name == "" {
		switch mt {
		case "text/csv":
			name = "upload.csv"
		case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
			name = "upload.xlsx"
		default:
			return "", nil, &bulwark.Error{Code: "unsupported_media", Message: "Send the file as multipart/form-data (field \"file\"), text/csv or XLSX."}
		}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return "", nil, tooLarge(err)
	}
	return filepath.Base(name), b, nil
}

// importProblem turns row errors into a 422 whose errors name each row.
func importProblem(res *app.ImportResult) error {
	e := &bulwark.Error{Code: bulwark.EINVALID, Message: fmt.Sprintf("%d row error(s); nothing was imported.", len(res.Errors))}
	for _, re := range res.Errors {
		e.Fields = append(e.Fields, bulwark.FieldError{Field: fmt.Sprintf("row %d: %s", re.Row, re.Field), Message: re.Message})
	}
	return e
}

func (s *Server) apiImport(reg register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.apiImportOf(w, r, reg) }
}

func (s *Server) apiImportOf(w http.ResponseWriter, r *http.Request, reg register) {
	opts, err := importOptions(r.URL.Query())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	name, content, err := s.uploadedFile(w, r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	t, err := readTable(content, name, reg.Fields, opts)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	res, err := reg.Import(r.Context(), principalFrom(r), t, r.URL.Query().Get("dry_run") == "true")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if len(res.Errors) > 0 {
		s.problem(w, r, importProblem(res))
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) export(reg register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.exportOf(w, r, reg) }
}

func (s *Server) exportOf(w http.ResponseWriter, r *http.Request, reg register) {
	p := principalFrom(r)
	format := r.FormValue("format")
	if format == "" {
		format = "xlsx"
	}
	ct := map[string]string{"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]
	if ct == "" {
		s.problemOrPage(w, r, bulwark.Invalid("format", "must be csv or xlsx"))
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.%s"`, reg.Kind, p.Org.Slug, time.Now().UTC().Format("20060102"), format))
	lw := &lazyWriter{w: w, contentType: ct}
	if err := reg.Export(r.Context(), p, format, lw); err != nil {
		if !lw.started {
			w.Header().Del("Content-Disposition")
			s.problemOrPage(w, r, err)
			return
		}
		// Part of the file is sent: abort so the download fails visibly.
		s.log.Error("export failed", "register", reg.Kind, "request_id", requestID(r), "err", err)
		panic(http.ErrAbortHandler)
	}
}

// lazyWriter sends the headers with the first byte, so that an export failing
// before it writes anything can still answer with an error.
type lazyWriter struct {
	w           http.ResponseWriter
	contentType string
	started     bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.Header().Set("Content-Type", l.contentType)
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(b)
}

func (s *Server) importPage(reg register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "import", &page{Title: "Import " + reg.Title, Nav: reg.Kind, Data: map[string]any{"Fields": reg.Fields, "Kind": reg.Kind}})
	}
}

func (s *Server) importUpload(reg register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.importUploadOf(w, r, reg) }
}

func (s *Server) importUploadOf(w http.ResponseWriter, r *http.Request, reg register) {
	p := principalFrom(r)
	name, content, err := s.uploadedFile(w, r)
	if err == nil {
		_, err = readTable(content, name, reg.Fields, tabular.Options{Sheet: r.FormValue("sheet")}) // refuse unreadable files at once
		if err != nil && bulwark.ErrorCode(err) == bulwark.EINVALID && r.FormValue("header_row") != "" {
			err = nil // the header row given may fix it; the preview says
		}
	}
	if err != nil {
		retryAfter(w, err)
		s.render(w, r, s.errorStatus(r, err), "import", &page{Title: "Import " + reg.Title, Nav: reg.Kind, Error: bulwark.ErrorMessage(err), Fields: fieldsOf(err),
			Data: map[string]any{"Fields": reg.Fields, "Kind": reg.Kind}})
		return
	}
	id, err := s.svc.SaveUpload(r.Context(), p, reg.Kind, name, content)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := url.Values{}
	if sh := r.FormValue("sheet"); sh != "" {
		v.Set("sheet", sh)
	}
	if h := r.FormValue("header_row"); h != "" {
		v.Set("header_row", h)
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/import/"+reg.Kind+"/"+id+"?"+v.Encode(), http.StatusSeeOther)
}

type previewColumn struct {
	Letter, Header, Field string
}

// importPreview shows the column mapping, adjustable, and what a dry run would do.
func (s *Server) importPreview(reg register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.importStep(w, r, reg, true) }
}

func (s *Server) importConfirm(reg register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := parseForm(w, r); err != nil {
			s.renderError(w, r, err)
			return
		}
		s.importStep(w, r, reg, false)
	}
}

func (s *Server) importStep(w http.ResponseWriter, r *http.Request, reg register, dryRun bool) {
	p := principalFrom(r)
	u, err := s.svc.Upload(r.Context(), p, r.PathValue("id"))
	if err == nil && u.Kind != reg.Kind {
		err = bulwark.Errorf(bulwark.ENOTFOUND, "This upload belongs to another register.")
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	values := r.URL.Query()
	if !dryRun {
		values = r.PostForm
	}
	data := map[string]any{"Upload": u, "Fields": reg.Fields, "Kind": reg.Kind, "Title": reg.Title, "Sheet": values.Get("sheet"), "HeaderRow": values.Get("header_row")}
	pg := &page{Title: "Import " + reg.Title, Nav: reg.Kind, Data: data}
	opts, err := importOptions(values)
	var t *tabular.Table
	if err == nil {
		t, err = readTable(u.Content, u.Filename, reg.Fields, opts)
	}
	if err != nil {
		pg.Error, pg.Fields = bulwark.ErrorMessage(err), fieldsOf(err)
		s.render(w, r, s.errorStatus(r, err), "preview", pg)
		return
	}
	var cols []previewColumn
	for _, c := range t.Columns {
		cols = append(cols, previewColumn{Letter: c.Letter(), Header: c.Header, Field: c.Field})
	}
	data["Columns"], data["Table"] = cols, t
	res, err := reg.Import(r.Context(), p, t, dryRun)
	if err != nil {
		pg.Error, pg.Fields = bulwark.ErrorMessage(err), fieldsOf(err)
		s.render(w, r, s.errorStatus(r, err), "preview", pg)
		return
	}
	data["Result"] = res
	if !dryRun && len(res.Errors) == 0 {
		_ = s.svc.DiscardUpload(r.Context(), p, u.ID)
		pg.Notice = fmt.Sprintf("Imported: %d created, %d updated, %d unchanged.", res.Created, res.Updated, res.Unchanged)
		data["Done"] = true
	}
	status := http.StatusOK
	if len(res.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		pg.Error = fmt.Sprintf("%d problem(s) in the file; nothing will be imported until they are fixed.", len(res.Errors))
	}
	s.render(w, r, status, "preview", pg)
}
