package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
)

// The XLSX reader streams the sheet's XML itself rather than going through excelize's reading API. Measured on
// a 10,000-row sheet, excelize's row iterator took 0.4–0.9 s and its per-cell formula and number-format lookups
// load the whole sheet into memory first; a streaming pass that sees each cell's formula, type and style at
// once is several times faster and keeps memory flat. excelize still converts serial dates and formats numbers
// (numfmt.go) and writes workbooks (write.go).

// Limits on the uncompressed size of a workbook's parts: a zip bomb is refused before it is inflated.
const (
	metaPartLimit   = 32 << 20  // workbook, relationships, styles
	stringsLimit    = 256 << 20 // shared strings
	sheetPartLimit  = 512 << 20 // one worksheet
	maxSheetRows    = 1_048_576 // Excel's last row
	maxSheetColumns = 16_384    // Excel's last column, XFD
	maxStyles       = 1 << 16
	maxSharedString = 10_000_000
	// cellBytesLimit bounds one cell's raw XML text while it is collected; the exact character limit is checked
	// afterwards. 7 bytes per character covers the _xHHHH_ escapes.
	cellBytesLimit = (MaxCellChars + 1) * 7
)

var (
	zipMagic      = []byte("PK\x03\x04")
	emptyZipMagic = []byte("PK\x05\x06")
	oleMagic      = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// sheetInfo is one sheet of a workbook.
type sheetInfo struct {
	name string
	path string // part name, lower case
	kind string // relationship type suffix: worksheet, chartsheet, dialogsheet …
}

// book is an open workbook.
type book struct {
	parts    map[string]*zip.File // by lower-case part name: OPC part names are case-insensitive
	sheets   []sheetInfo
	date1904 bool
	sstPath  string
	stylPath string
	sst      []string
	xfs      []numFmt // cell format index → number format
	format   *numFormatter
}

func readXLSX(data []byte, b *builder) error {
	switch {
	case bytes.HasPrefix(data, oleMagic):
		return formatErrorf(0, "The file is named .xlsx but is an old Excel 97–2003 workbook (.xls) or a password-protected one; save it as an Excel workbook (.xlsx) without a password and try again.")
	case !bytes.HasPrefix(data, zipMagic) && !bytes.HasPrefix(data, emptyZipMagic):
		return formatErrorf(0, "The file is named .xlsx but is not an Excel workbook (an .xlsx file is a zip archive, and this one is not); save it from your spreadsheet program as an Excel workbook (.xlsx), or as CSV UTF-8 named .csv, and try again.")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &FormatError{Message: "The .xlsx file is damaged: its zip archive cannot be opened. Open it in your spreadsheet program and save it again.", Err: err}
	}
	bk := &book{parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		bk.parts[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))] = f
	}
	defer bk.close()
	if err := bk.loadWorkbook(); err != nil {
		return err
	}
	sheet, err := bk.pick(b.opts.Sheet)
	if err != nil {
		return err
	}
	b.t.Sheet = sheet.name
	if err := bk.loadStyles(); err != nil {
		return err
	}
	if err := bk.loadSharedStrings(); err != nil {
		return err
	}
	return bk.readSheet(sheet, b)
}

func (bk *book) close() {
	if bk.format != nil {
		bk.format.close()
	}
}

// damaged reports a part that cannot be parsed.
func damaged(part string, err error) error {
	return &FormatError{Message: fmt.Sprintf("The .xlsx file is damaged (%s cannot be read). Open it in your spreadsheet program and save it again.", part), Err: err}
}

// open opens a part for reading, refusing one whose uncompressed size is past limit. archive/zip fails a read
// that inflates past the size the archive declares, so checking the declared size is enough.
func (bk *book) open(name string, limit int64) (io.ReadCloser, error) {
	f, ok := bk.parts[strings.ToLower(name)]
	if !ok {
		return nil, damaged(name, errors.New("missing part"))
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, formatErrorf(0, "The .xlsx file is too large to import (%s holds %d MB); split it into smaller files.", name, f.UncompressedSize64>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, damaged(name, err)
	}
	return rc, nil
}

// walk calls fn with every token of a part. Raw tokens skip namespace translation, which the reader does not
// need (elements are recognised by local name, whatever prefix a producer chose) and which costs time.
func (bk *book) walk(name string, limit int64, fn func(tok xml.Token) error) error {
	rc, err := bk.open(name, limit)
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var fe *FormatError
			if errors.As(err, &fe) {
				return err
			}
			return damaged(name, err)
		}
		if err := fn(tok); err != nil {
			if err == errStop {
				return nil
			}
			return err
		}
	}
}

var errStop = errors.New("stop")

func attr(el xml.StartElement, local string) string {
	for _, a := range el.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// relationships reads the relationships of a part: Id → (type suffix, resolved target).
func (bk *book) relationships(part string) (map[string][2]string, error) {
	dir, file := path.Split(part)
	relsPath := dir + "_rels/" + file + ".rels"
	rels := map[string][2]string{}
	if _, ok := bk.parts[strings.ToLower(relsPath)]; !ok {
		return rels, nil
	}
	err := bk.walk(relsPath, metaPartLimit, func(tok xml.Token) error {
		el, ok := tok.(xml.StartElement)
		if !ok || el.Name.Local != "Relationship" || strings.EqualFold(attr(el, "TargetMode"), "External") {
			return nil
		}
		typ := attr(el, "Type")
		typ = typ[strings.LastIndex(typ, "/")+1:]
		target := attr(el, "Target")
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target[1:])
		} else {
			target = path.Clean(path.Join(dir, target))
		}
		rels[attr(el, "Id")] = [2]string{typ, strings.ToLower(target)}
		return nil
	})
	return rels, err
}

// loadWorkbook finds the workbook part and reads its sheet list and date system.
func (bk *book) loadWorkbook() error {
	root, err := bk.relationships("")
	if err != nil {
		return err
	}
	wbPath := "xl/workbook.xml"
	for _, r := range root {
		if r[0] == "officeDocument" {
			wbPath = r[1]
		}
	}
	rels, err := bk.relationships(wbPath)
	if err != nil {
		return err
	}
	for _, r := range rels {
		switch r[0] {
		case "sharedStrings":
			bk.sstPath = r[1]
		case "styles":
			bk.stylPath = r[1]
		}
	}
	err = bk.walk(wbPath, metaPartLimit, func(tok xml.Token) error {
		el, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		switch el.Name.Local {
		case "workbookPr":
			v := attr(el, "date1904")
			bk.date1904 = v == "1" || strings.EqualFold(v, "true")
		case "sheet":
			s := sheetInfo{name: attr(el, "name")}
			for _, a := range el.Attr {
				// r:id, whatever the prefix bound to the relationships namespace.
				if a.Name.Local == "id" && a.Name.Space != "" {
					if r, ok := rels[a.Value]; ok {
						s.kind, s.path = r[0], r[1]
					}
				}
			}
			bk.sheets = append(bk.sheets, s)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(bk.sheets) == 0 {
		return formatErrorf(0, "The workbook has no sheets.")
	}
	return nil
}

// pick returns the sheet to read: the named one, or the first.
func (bk *book) pick(name string) (sheetInfo, error) {
	var s *sheetInfo
	if name == "" {
		s = &bk.sheets[0]
	} else {
		for i := range bk.sheets {
			if bk.sheets[i].name == name {
				s = &bk.sheets[i]
				break
			}
		}
		// Excel treats sheet names case-insensitively, so a person may too.
		for i := range bk.sheets {
			if s == nil && strings.EqualFold(bk.sheets[i].name, name) {
				s = &bk.sheets[i]
			}
		}
	}
	if s == nil {
		names := make([]string, len(bk.sheets))
		for i, s := range bk.sheets {
			names[i] = strconv.Quote(s.name)
		}
		return sheetInfo{}, formatErrorf(0, "The workbook has no sheet named %q; its sheets are %s.", name, strings.Join(names, ", "))
	}
	if s.kind != "worksheet" {
		return sheetInfo{}, formatErrorf(0, "Sheet %q holds a chart or macro, not cells; choose another sheet.", s.name)
	}
	if _, ok := bk.parts[s.path]; !ok {
		return sheetInfo{}, damaged(s.path, errors.New("missing worksheet part"))
	}
	return *s, nil
}

// loadStyles reads the number format of every cell format (cellXfs).
func (bk *book) loadStyles() error {
	if bk.stylPath == "" {
		return nil
	}
	if _, ok := bk.parts[bk.stylPath]; !ok {
		return nil // a missing styles part only means every cell is General
	}
	codes := map[int]string{}
	var ids []int
	inXfs := false
	err := bk.walk(bk.stylPath, metaPartLimit, func(tok xml.Token) error {
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(el, "numFmtId")); err == nil && len(codes) < maxStyles {
					codes[id] = attr(el, "formatCode")
				}
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					if len(ids) >= maxStyles {
						return formatErrorf(0, "The .xlsx file has more than %d cell styles; it cannot be imported.", maxStyles)
					}
					id, _ := strconv.Atoi(attr(el, "numFmtId"))
					ids = append(ids, id)
				}
			}
		case xml.EndElement:
			if el.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	bk.xfs = make([]numFmt, len(ids))
	for i, id := range ids {
		bk.xfs[i] = newNumFmt(id, codes[id])
	}
	return nil
}

// loadSharedStrings reads the shared string table.
func (bk *book) loadSharedStrings() error {
	if bk.sstPath == "" {
		return nil
	}
	if _, ok := bk.parts[bk.sstPath]; !ok {
		return nil
	}
	var (
		text     []byte
		inSI     bool
		inT      bool
		phonetic int
	)
	return bk.walk(bk.sstPath, stringsLimit, func(tok xml.Token) error {
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "si":
				inSI, text, phonetic = true, text[:0], 0
			case "rPh":
				phonetic++ // phonetic guides (furigana) are not part of the text a person reads
			case "t":
				inT = inSI && phonetic == 0
			}
		case xml.EndElement:
			switch el.Name.Local {
			case "si":
				if len(bk.sst) >= maxSharedString {
					return formatErrorf(0, "The .xlsx file has more than %d distinct texts; it cannot be imported.", maxSharedString)
				}
				bk.sst = append(bk.sst, unescapeOOXML(string(text)))
				inSI = false
			case "rPh":
				phonetic = max(0, phonetic-1)
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT && len(text) < cellBytesLimit {
				text = append(text, el...)
			}
		}
		return nil
	})
}

// cellState is what the sheet reader knows of the cell it is inside.
type cellState struct {
	col     int
	style   int
	typ     string
	formula bool
}

// readSheet streams the sheet's rows into the builder.
func (bk *book) readSheet(s sheetInfo, b *builder) error {
	var (
		inRow, inCell   bool
		inV, inIS, inT  bool
		phonetic        int
		row, last, next int
		cells           []rawCell
		c               cellState
		v, text         []byte
	)
	return bk.walk(s.path, sheetPartLimit, func(tok xml.Token) error {
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "row":
				n := last + 1
				if r := attr(el, "r"); r != "" {
					var err error
					if n, err = strconv.Atoi(r); err != nil {
						return damaged(s.path, fmt.Errorf("row number %q", r))
					}
				}
				if n <= last || n > maxSheetRows {
					return damaged(s.path, fmt.Errorf("row %d out of order after row %d", n, last))
				}
				inRow, row, next, cells = true, n, 0, cells[:0]
			case "c":
				if !inRow {
					return nil
				}
				c = cellState{col: next}
				for _, a := range el.Attr {
					switch a.Name.Local {
					case "r":
						if col, ok := columnOfRef(a.Value); ok {
							c.col = col
						} else {
							return damaged(s.path, fmt.Errorf("cell reference %q", a.Value))
						}
					case "s":
						c.style, _ = strconv.Atoi(a.Value)
					case "t":
						c.typ = a.Value
					}
				}
				if c.col < next || c.col >= maxSheetColumns {
					return damaged(s.path, fmt.Errorf("cell column %d out of order in row %d", c.col, row))
				}
				inCell, v, text, phonetic = true, v[:0], text[:0], 0
			case "v":
				inV = inCell
			case "f":
				if inCell {
					c.formula = true
				}
			case "is":
				inIS = inCell
			case "t":
				inT = inIS && phonetic == 0
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch el.Name.Local {
			case "v":
				inV = false
			case "t":
				inT = false
			case "is":
				inIS = false
			case "rPh":
				phonetic = max(0, phonetic-1)
			case "c":
				if !inCell {
					return nil
				}
				inCell = false
				next = c.col + 1
				cell, err := bk.cell(c, v, text)
				if err != nil {
					return &FormatError{Row: row, Message: fmt.Sprintf("Cell %s%d cannot be read: %s.", ColumnLetter(c.col), row, err), Err: err}
				}
				if !cell.IsEmpty() || cell.Formula {
					cells = append(cells, rawCell{col: c.col, cell: cell})
				}
			case "row":
				if !inRow {
					return nil
				}
				inRow, inCell, last = false, false, row
				return b.add(row, cells)
			case "sheetData":
				return errStop // merged cells, filters and the rest after the data are not needed
			}
		case xml.CharData:
			switch {
			case inV:
				v = append(v, el...)
			case inT:
				text = append(text, el...)
			default:
				return nil
			}
			if len(v) > cellBytesLimit || len(text) > cellBytesLimit {
				return formatErrorf(row, "Cell %s%d holds more than %d characters; a cell may hold at most %d.", ColumnLetter(c.col), row, MaxCellChars, MaxCellChars)
			}
		}
		return nil
	})
}

// columnOfRef returns the 0-based column of a cell reference such as "B7" (or "$B$7").
func columnOfRef(ref string) (int, bool) {
	col, n := 0, 0
	for i := 0; i < len(ref); i++ {
		ch := ref[i]
		switch {
		case ch == '$' && n == 0:
		case ch >= 'A' && ch <= 'Z':
			col = col*26 + int(ch-'A') + 1
			n++
		case ch >= 'a' && ch <= 'z':
			col = col*26 + int(ch-'a') + 1
			n++
		default:
			if n == 0 {
				return 0, false
			}
			return col - 1, true
		}
		if n > 3 {
			return 0, false
		}
	}
	return col - 1, n > 0
}

// cell turns a cell's raw parts into a Cell.
func (bk *book) cell(c cellState, rawV, inline []byte) (Cell, error) {
	cell := Cell{Formula: c.formula}
	v := string(rawV)
	switch c.typ {
	case "s":
		if strings.TrimSpace(v) == "" {
			return cell, nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(bk.sst) {
			return cell, fmt.Errorf("shared string %q does not exist", v)
		}
		cell.Text = bk.sst[i]
	case "inlineStr":
		cell.Text = unescapeOOXML(string(inline))
	case "str":
		cell.Text = unescapeOOXML(v)
	case "e":
		cell.Text = v // an error value such as #DIV/0!, shown as written
	case "b":
		switch strings.TrimSpace(v) {
		case "1":
			cell.Text = "TRUE"
		case "0":
			cell.Text = "FALSE"
		default:
			cell.Text = v
		}
	case "d":
		// An ISO 8601 date cell (rare: Excel only writes them in strict files).
		if t, ok := parseISO(strings.TrimSpace(v)); ok {
			cell.Time = &t
			cell.Text = isoText(t)
		} else {
			cell.Text = v
		}
	default:
		v = strings.TrimSpace(v)
		if v == "" {
			return cell, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			cell.Text = v
			break
		}
		var nf numFmt
		if c.style >= 0 && c.style < len(bk.xfs) {
			nf = bk.xfs[c.style]
		}
		switch nf.kind {
		case kindDate, kindDateTime:
			if t, ok := serialTime(f, bk.date1904, nf.kind == kindDate); ok {
				cell.Time = &t
				cell.Text = isoText(t)
				break
			}
			cell.Text = generalNumber(f)
		case kindGeneral:
			cell.Text = generalNumber(f)
		default:
			if bk.format == nil {
				bk.format = &numFormatter{}
			}
			cell.Text = bk.format.format(nf, v, f)
		}
	}
	cell.Text = strings.TrimSpace(cell.Text)
	return cell, nil
}

// isoText writes a time as Cell.Text does: a date at midnight as 2006-01-02, anything else as RFC 3339.
func isoText(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// unescapeOOXML decodes the _xHHHH_ escapes OOXML uses for characters XML cannot carry (_x000D_ for a carriage
// return); _x005F_ is an escaped underscore, which is how a literal "_x0041_" is written.
func unescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(n))
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
