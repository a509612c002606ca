package gameclient

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Entry is what a journal knows about one delivery key.
type Entry struct {
	Key string
	// Done is false while the command is running, or if the plugin
	// stopped before it finished.
	Done bool
	// Error is "" for a command that ran fine, else why it failed.
	Error string
}

// Journal remembers the commands a game server ran, by delivery key, in a
// store that outlives the plugin. Deliver calls Begin before running a
// command and Finish after, and Forget once the API has the result.
type Journal interface {
	// Get returns the key's entry, if it has one.
	Get(key string) (Entry, bool, error)
	// Begin records, durably, that the command is about to run.
	Begin(key string) error
	// Finish records, durably, the command's result ("" for success).
	Finish(key, errText string) error
	// Forget drops keys whose results the API has recorded.
	Forget(keys ...string) error
}

// Lister is a Journal that lists what it holds. Deliver reports the
// finished entries with its first poll, so results that a crash or a
// failed request kept from the API reach it at once, not when their
// commands' leases run out and the commands come back. MemoryJournal and
// FileJournal are Listers.
type Lister interface {
	Journal
	// Entries returns every entry the journal holds, by key.
	Entries() ([]Entry, error)
}

// MemoryJournal is a Journal in memory: it survives a Client being
// replaced (a plugin reload) but not the process. Tests use it.
type MemoryJournal struct {
	mu sync.Mutex
	m  map[string]Entry
}

// NewMemoryJournal returns an empty MemoryJournal.
func NewMemoryJournal() *MemoryJournal { return &MemoryJournal{m: map[string]Entry{}} }

// Get implements Journal.
func (j *MemoryJournal) Get(key string) (Entry, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.m[key]
	return e, ok, nil
}

// Begin implements Journal.
func (j *MemoryJournal) Begin(key string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.m[key] = Entry{Key: key}
	return nil
}

// Finish implements Journal.
func (j *MemoryJournal) Finish(key, errText string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.m[key] = Entry{Key: key, Done: true, Error: errText}
	return nil
}

// Forget implements Journal.
func (j *MemoryJournal) Forget(keys ...string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, k := range keys {
		delete(j.m, k)
	}
	return nil
}

// Entries implements Lister.
func (j *MemoryJournal) Entries() ([]Entry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	es := make([]Entry, 0, len(j.m))
	for _, e := range j.m {
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return es, nil
}

// Len returns how many keys the journal holds.
func (j *MemoryJournal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.m)
}

// FileJournal is a Journal in an append-only file, synced on every
// record, so it survives a crash of the process or the machine. Opening
// it compacts the file to the keys still held.
type FileJournal struct {
	mu   sync.Mutex
	f    *os.File
	path string
	mem  *MemoryJournal
}

// Line format: "B key", "F key <quoted error>", "X key".

// OpenFileJournal opens (or creates) the journal at path.
func OpenFileJournal(path string) (*FileJournal, error) {
	mem := NewMemoryJournal()
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			op, rest, _ := strings.Cut(sc.Text(), " ")
			key, arg, _ := strings.Cut(rest, " ")
			switch op {
			case "B":
				_ = mem.Begin(key)
			case "F":
				msg, err := strconv.Unquote(arg)
				if err != nil {
					msg = arg
				}
				_ = mem.Finish(key, msg)
			case "X":
				_ = mem.Forget(key)
			}
			// A torn last line (a crash mid-write) is skipped: its
			// command had not started, or its Begin is on the line
			// before.
		}
		_ = f.Close() // read-only: nothing to lose
		if err := sc.Err(); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	// Compact: write what is held to a new file and move it in place.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".journal-*")
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(tmp)
	for _, e := range mem.m {
		// A write error sticks in w and comes back from Flush.
		_, _ = w.WriteString(line(e))
	}
	err = errors.Join(w.Flush(), tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return nil, errors.Join(err, os.Remove(tmp.Name()))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &FileJournal{f: f, path: path, mem: mem}, nil
}

func line(e Entry) string {
	if !e.Done {
		return "B " + e.Key + "\n"
	}
	return "F " + e.Key + " " + strconv.Quote(e.Error) + "\n"
}

func (j *FileJournal) write(s string) error {
	if _, err := j.f.WriteString(s); err != nil {
		return err
	}
	return j.f.Sync()
}

// Get implements Journal.
func (j *FileJournal) Get(key string) (Entry, bool, error) { return j.mem.Get(key) }

// Begin implements Journal.
func (j *FileJournal) Begin(key string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.write(line(Entry{Key: key})); err != nil {
		return err
	}
	return j.mem.Begin(key)
}

// Finish implements Journal.
func (j *FileJournal) Finish(key, errText string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.write(line(Entry{Key: key, Done: true, Error: errText})); err != nil {
		return err
	}
	return j.mem.Finish(key, errText)
}

// Forget implements Journal.
func (j *FileJournal) Forget(keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("X " + k + "\n")
	}
	if err := j.write(b.String()); err != nil {
		return err
	}
	return j.mem.Forget(keys...)
}

// Entries implements Lister.
func (j *FileJournal) Entries() ([]Entry, error) { return j.mem.Entries() }

// Close closes the file.
func (j *FileJournal) Close() error { return j.f.Close() }
