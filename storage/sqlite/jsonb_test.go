package sqlite

import (
	"database/sql"
	"encoding/json"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/bans"
)

// What matchKeys hands SQLite as JSONB reads back as the JSON of the same
// keys and range probes, for identities of any text and any address.
func TestMatchKeysJSONB(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	asJSON := func(t *rapid.T, blob []byte) any {
		var text string
		if err := db.QueryRow(`select json(?1)`, blob).Scan(&text); err != nil {
			t.Fatalf("json(%x): %v", blob, err)
		}
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			t.Fatalf("json(%x) = %s: %v", blob, text, err)
		}
		return v
	}
	rapid.Check(t, func(t *rapid.T) {
		var ids []bans.Identity
		var wantKeys []any
		wantRanges := []any{}
		for range rapid.IntRange(0, 4).Draw(t, "n") {
			id := bans.Identity{Type: bans.Name, Value: rapid.String().Draw(t, "name")}
			if rapid.Bool().Draw(t, "ip?") {
				var a [16]byte
				for i := range a {
					a[i] = rapid.Byte().Draw(t, "byte")
				}
				addr := netipFrom(a, rapid.Bool().Draw(t, "v4?"))
				id = bans.IPIdentity(addr)
				probe := []any{float64(family(addr))}
				for bits := 1; bits <= addr.BitLen(); bits++ {
					p, _ := addr.Prefix(bits)
					probe = append(probe, "ip_range:"+p.String())
				}
				wantRanges = append(wantRanges, probe)
			}
			ids = append(ids, id)
			wantKeys = append(wantKeys, identityKey(id))
		}
		keys, ranges := matchKeys(ids)
		if wantKeys == nil {
			wantKeys = []any{}
		}
		if d := cmp.Diff(wantKeys, asJSON(t, keys)); d != "" {
			t.Errorf("keys (-want +got):\n%s", d)
		}
		if d := cmp.Diff(wantRanges, asJSON(t, ranges)); d != "" {
			t.Errorf("ranges (-want +got):\n%s", d)
		}
	})
}

func netipFrom(a [16]byte, v4 bool) netip.Addr {
	if v4 {
		return netip.AddrFrom4([4]byte(a[:4]))
	}
	return netip.AddrFrom16(a).Unmap()
}
