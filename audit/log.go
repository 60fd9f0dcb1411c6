package audit

import (
	"fmt"
	"io"
	"os"
)

// Destinations of the audit log (--audit-log) besides a file path.
const (
	LogOff    = "off"
	LogStderr = "stderr"
)

// OpenLog opens the audit log dest names: nil for LogOff, stderr for
// LogStderr (closing it does nothing), else the file at that path, created
// 0600 when missing and always appended to, so that several processes
// (instances, rotations by logrotate's copytruncate) may share it.
func OpenLog(dest string, stderr io.Writer) (io.WriteCloser, error) {
	switch dest {
	case LogOff, "":
		return nil, nil
	case LogStderr:
		return nopCloser{stderr}, nil
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	return f, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
