package credentials

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The reasons a line is rejected. None of them quotes the line: it may hold a
// secret, so the caller adds only the line number.
var (
	errNotKeyValue     = errors.New("expected KEY=VALUE")
	errINISection      = errors.New("INI section headers are not supported, write KEY=VALUE lines")
	errInvalidKey      = errors.New("key must be letters, digits and underscores, not starting with a digit")
	errUnterminated    = errors.New("quoted value has no closing quote")
	errAfterQuote      = errors.New("only a # comment may follow a quoted value")
	errUnquotedSpace   = errors.New("value contains whitespace, quote it")
	errControlChar     = errors.New("value contains a control character")
	errUnsupportedEsc  = errors.New(`double-quoted value has an escape other than \\ or \"`)
	errExportWithoutKV = errors.New("export must be followed by KEY=VALUE")
)

// parseLine reads one line of a dotenv file. isEntry is false for blank lines
// and comments. The syntax is deliberately small (what `velero install
// --secret-file` users write by hand): optional `export `, whitespace around
// `=`, values bare, 'single-quoted' (literal) or "double-quoted" (with \\ and
// \" only), and a trailing # comment after whitespace or a closing quote.
func parseLine(line string) (key, value string, isEntry bool, err error) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", "", false, nil
	}
	if line[0] == '[' {
		return "", "", false, errINISection
	}
	if rest, ok := cutExport(line); ok {
		if !strings.Contains(rest, "=") {
			return "", "", false, errExportWithoutKV
		}
		line = rest
	}
	rawKey, rawValue, found := strings.Cut(line, "=")
	if !found {
		return "", "", false, errNotKeyValue
	}
	key = strings.TrimSpace(rawKey)
	if !validKey(key) {
		return "", "", false, errInvalidKey
	}
	value, err = parseValue(rawValue)
	if err != nil {
		return "", "", false, err
	}
	return key, value, true, nil
}

// cutExport strips a leading "export" keyword. A key that is literally named
// "export" (as in "export=1" or "export = 1") is left alone.
func cutExport(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "export")
	if first, _ := utf8.DecodeRuneInString(rest); !ok || !unicode.IsSpace(first) {
		return line, false
	}
	rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
	if strings.HasPrefix(rest, "=") {
		return line, false
	}
	return rest, true
}

func validKey(key string) bool {
	if key == "" {
		return false
	}
	for i, r := range key {
		letter := r == '_' || ('A' <= r && r <= 'Z') || ('a' <= r && r <= 'z')
		digit := '0' <= r && r <= '9'
		if !letter && !(digit && i > 0) {
			return false
		}
	}
	return true
}

// parseValue reads what follows '='. raw still has its leading whitespace,
// which decides whether a leading '#' starts a comment ("KEY= # none") or is
// part of a bare value ("KEY=#abc").
func parseValue(raw string) (string, error) {
	trimmed := strings.TrimSpace(raw)
	switch {
	case trimmed == "":
		return "", nil
	case trimmed[0] == '#' && trimmed != strings.TrimRightFunc(raw, unicode.IsSpace):
		return "", nil
	case trimmed[0] == '\'':
		return parseSingleQuoted(trimmed[1:])
	case trimmed[0] == '"':
		return parseDoubleQuoted(trimmed[1:])
	default:
		return parseBare(trimmed)
	}
}

func parseSingleQuoted(s string) (string, error) {
	end := strings.IndexByte(s, '\'')
	if end < 0 {
		return "", errUnterminated
	}
	return checkedQuoted(s[:end], s[end+1:])
}

func parseDoubleQuoted(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return checkedQuoted(b.String(), s[i+1:])
		case '\\':
			if i+1 == len(s) || (s[i+1] != '\\' && s[i+1] != '"') {
				return "", errUnsupportedEsc
			}
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", errUnterminated
}

// checkedQuoted accepts a quoted value followed by nothing or a comment.
func checkedQuoted(value, after string) (string, error) {
	after = strings.TrimSpace(after)
	if after != "" && after[0] != '#' {
		return "", errAfterQuote
	}
	if strings.IndexFunc(value, unicode.IsControl) >= 0 {
		return "", errControlChar
	}
	return value, nil
}

// parseBare reads an unquoted value: it ends at whitespace, and only a
// comment may follow. Keys, secrets, tokens and role names never contain
// spaces, so a space here is far more likely a paste error than intent.
func parseBare(s string) (string, error) {
	end := strings.IndexFunc(s, unicode.IsSpace)
	value := s
	if end >= 0 {
		if rest := strings.TrimLeftFunc(s[end:], unicode.IsSpace); rest[0] != '#' {
			return "", errUnquotedSpace
		}
		value = s[:end]
	}
	if strings.IndexFunc(value, unicode.IsControl) >= 0 {
		return "", errControlChar
	}
	return value, nil
}
