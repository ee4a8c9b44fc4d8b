package embedded

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// The embedded server reads its clients' commands itself, with the limits
// Redis applies, rather than with miniredis's reader: miniredis allocates
// whatever length a client declares and indexes an empty command, so one
// bad packet could end the program the server runs in. What Redis 8.6 does
// with malformed input, and what this reader does too:
//
//   - an array of length 0 or less (`*0`, `*-1`) is skipped;
//   - a line that does not start with `*` is an inline command, split on
//     spaces with quotes honoured (`PING` typed in telnet works);
//   - an array longer than 2^31-1 elements, or a bulk longer than
//     proto-max-bulk-len (512 MB), is a protocol error, answered and then
//     the connection is closed;
//   - a bulk's bytes are read as they arrive, so declaring a huge length
//     costs nothing until the bytes are actually sent.

const (
	maxInlineLen   = 64 * 1024 // PROTO_INLINE_MAX_SIZE: an inline command or a length line
	maxMultibulk   = 1<<31 - 1 // Redis refuses longer arrays
	maxBulkLen     = 512 << 20 // proto-max-bulk-len's default
	bulkChunk      = 64 * 1024 // a bulk grows by at most this much per read
	preallocArgs   = 1024      // Redis's own cap on the arguments it reserves up front
	readBufferSize = 16 * 1024
)

// protocolError is answered to the client, then its connection is closed.
type protocolError string

func (e protocolError) Error() string { return "ERR Protocol error: " + string(e) }

// respReader reads commands from one connection.
type respReader struct {
	r *bufio.Reader
}

func newRESPReader(r io.Reader) *respReader {
	return &respReader{r: bufio.NewReaderSize(r, readBufferSize)}
}

// buffered says whether more input is already waiting: replies are flushed
// only when it is not, so a pipeline gets its replies in one write.
func (rr *respReader) buffered() bool { return rr.r.Buffered() > 0 }

// line reads one line without its \r\n (or \n), at most maxInlineLen long.
func (rr *respReader) line(tooLong string) ([]byte, error) {
	b, err := rr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(b) > maxInlineLen {
		return nil, protocolError(tooLong)
	}
	if err != nil {
		return nil, err
	}
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b, nil
}

// next reads the next command; empty arrays and blank lines are skipped. A
// protocolError is for the client; any other error means the connection is
// gone.
func (rr *respReader) next() ([]string, error) {
	for {
		first, err := rr.r.Peek(1)
		if err != nil {
			return nil, err
		}
		if first[0] != '*' {
			line, err := rr.line("too big inline request")
			if err != nil {
				return nil, err
			}
			args, ok := splitInline(line)
			if !ok {
				return nil, protocolError("unbalanced quotes in request")
			}
			if len(args) == 0 {
				continue
			}
			return args, nil
		}
		line, err := rr.line("too big mbulk count string")
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(string(line[1:]), 10, 64)
		if err != nil || n > maxMultibulk {
			return nil, protocolError("invalid multibulk length")
		}
		if n <= 0 {
			continue
		}
		args := make([]string, 0, min(n, preallocArgs))
		for i := int64(0); i < n; i++ {
			a, err := rr.bulk()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		return args, nil
	}
}

// bulk reads one `$len\r\n<bytes>\r\n` element of a command.
func (rr *respReader) bulk() (string, error) {
	line, err := rr.line("too big bulk count string")
	if err != nil {
		return "", err
	}
	if len(line) == 0 || line[0] != '$' {
		got := "\\x00"
		if len(line) > 0 {
			got = string(line[:1])
		}
		return "", protocolError("expected '$', got '" + got + "'")
	}
	n, err := strconv.ParseInt(string(line[1:]), 10, 64)
	if err != nil || n < 0 || n > maxBulkLen {
		return "", protocolError("invalid bulk length")
	}
	// Read the bytes as they come, growing the buffer chunk by chunk: a
	// client that declares 500 MB and sends 3 bytes gets 64 KB, not 500 MB.
	total := int(n) + 2 // with the \r\n Redis skips without checking
	buf := make([]byte, 0, min(total, bulkChunk))
	for len(buf) < total {
		want := min(total-len(buf), bulkChunk)
		if cap(buf)-len(buf) < want {
			grown := make([]byte, len(buf), min(total, max(2*cap(buf), len(buf)+want)))
			copy(grown, buf)
			buf = grown
		}
		k, err := io.ReadFull(rr.r, buf[len(buf):len(buf)+want])
		buf = buf[:len(buf)+k]
		if err != nil {
			return "", err
		}
	}
	return string(buf[:n]), nil
}

// splitInline splits an inline command as Redis's sdssplitargs does:
// spaces separate arguments, "double quotes" understand \n \r \t \b \a \\
// \" and \xHH, 'single quotes' only \'. ok is false for unbalanced quotes.
func splitInline(line []byte) ([]string, bool) {
	var args []string
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, true
		}
		var cur []byte
		inDq, inSq := false, false
		for done := false; !done; {
			if inDq {
				switch {
				case i >= len(line):
					return nil, false
				case line[i] == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					v, _ := strconv.ParseUint(string(line[i+2:i+4]), 16, 8)
					cur = append(cur, byte(v))
					i += 3
				case line[i] == '\\' && i+1 < len(line):
					i++
					c := line[i]
					switch c {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					}
					cur = append(cur, c)
				case line[i] == '"':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false // a closing quote must be followed by a space
					}
					done = true
				default:
					cur = append(cur, line[i])
				}
			} else if inSq {
				switch {
				case i >= len(line):
					return nil, false
				case line[i] == '\\' && i+1 < len(line) && line[i+1] == '\'':
					i++
					cur = append(cur, '\'')
				case line[i] == '\'':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, line[i])
				}
			} else {
				switch {
				case i >= len(line), isSpace(line[i]):
					done = true
				case line[i] == '"':
					inDq = true
				case line[i] == '\'':
					inSq = true
				default:
					cur = append(cur, line[i])
				}
			}
			if i < len(line) {
				i++
			}
		}
		args = append(args, string(cur))
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
