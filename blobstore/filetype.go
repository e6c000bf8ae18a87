package blobstore

import (
	"net/http"
	"path/filepath"
	"strings"
	"unicode"
)

// active are the types a browser would run or render as a page: when the bytes
// are one of them, the bytes win over the file's name.
var active = []string{"text/html", "text/xml", "application/xml", "image/svg+xml", "application/xhtml+xml", "text/javascript", "application/javascript"}

// zipBased are the formats stored as ZIP archives (Office, OpenDocument): their
// bytes sniff as application/zip, their names say which they are.
var zipBased = map[string]bool{".docx": true, ".xlsx": true, ".pptx": true, ".odt": true, ".ods": true, ".odp": true, ".zip": true, ".jar": false}

// byExtension are the types of the files evidence is usually made of. A table of
// Bulwark's own, not mime.TypeByExtension: that one reads the machine's
// mime.types, so two servers would store different types for one file.
var byExtension = map[string]string{
	".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".txt": "text/plain; charset=utf-8", ".log": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".csv": "text/csv; charset=utf-8",
	".json": "application/json", ".yaml": "application/yaml", ".yml": "application/yaml",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet", ".odp": "application/vnd.oasis.opendocument.presentation",
	".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".msg": "application/vnd.ms-outlook", ".eml": "message/rfc822",
	".zip": "application/zip", ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".xml": "text/xml; charset=utf-8",
}

// ContentType decides the type stored and served for a file named filename whose
// content starts with head: what the bytes are, refined by the name only where
// the name agrees with them. A page renamed report.pdf is text/html, never
// application/pdf, so the type on the download tells the truth.
func ContentType(filename string, head []byte) string {
	sniffed := http.DetectContentType(head)
	base, _, _ := strings.Cut(sniffed, ";")
	for _, a := range active {
		if base == a {
			return sniffed
		}
	}
	ext := strings.ToLower(filepath.Ext(filename))
	byName := byExtension[ext]
	nameBase, _, _ := strings.Cut(byName, ";")
	switch {
	case byName == "":
		return sniffed
	case nameBase == base:
		return byName
	case base == "application/zip" && zipBased[ext]:
		return byName
	case base == "text/plain" && strings.HasPrefix(nameBase, "text/") && !isActive(nameBase):
		return byName // CSV, logs, Markdown: text either way
	case base == "text/plain" && (nameBase == "application/json" || nameBase == "application/yaml" || nameBase == "message/rfc822"):
		return byName
	case base == "application/octet-stream" && !isActive(nameBase) && !strings.HasPrefix(nameBase, "text/"):
		return byName // a binary format the sniffer does not know (.doc, .msg, .pcap)
	}
	return sniffed
}

func isActive(t string) bool {
	for _, a := range active {
		if t == a {
			return true
		}
	}
	return false
}

// SafeFilename keeps a file name's letters, digits, spaces, dots, dashes,
// underscores and brackets (the name goes back out in a Content-Disposition
// header), without any directory; fallback when nothing is left.
func SafeFilename(name, fallback string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" .-_()", r) {
			return r
		}
		return '_'
	}, name)
	name = strings.Trim(name, " .")
	if len(name) > 200 {
		ext := filepath.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = strings.ToValidUTF8(name[:200-len(ext)], "") + ext
	}
	if name == "" || name == "_" {
		return fallback
	}
	return name
}
