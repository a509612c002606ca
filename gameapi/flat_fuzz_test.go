package gameapi

import "testing"

// An acknowledgement's body, whatever its bytes, is read by the one-pass
// reader as encoding/json reads it, or left to encoding/json.
func FuzzScanAttemptRefs(f *testing.F) {
	for _, s := range []string{
		`[]`, `null`, ``, `[{"attempt_id":"dlv_1"}, {"attempt_id":"dlv_2"}]`, `[{"attempt_id":"a\"b"}]`,
		`[{"attempt_id":null}]`, `[{"attempt_id":12}]`, `[{"other":"y","attempt_id":"x"}]`, "[{\"attempt_id\":\"\xff\"}]",
		`[{"attempt_id":"x"}`, `{"attempt_id":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { agreesWithEncodingJSON[attemptRefs](t, b) })
}

// A poll's body, whatever its bytes, is read by the one-pass reader as
// encoding/json reads it, or left to encoding/json.
func FuzzScanPollRequest(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, ``, `{"steam_ids":[]}`, `{"steam_ids":["76561198006409530"],"minecraft_uuids":null,"customer_names":["Garry"]}`,
		`{"executed":[{"attempt_id":"cmd_1"},{"attempt_id":"cmd_2"}]}`, `{"executed":null,"steam_ids":[7656119800640953]}`,
		`{"failed":[{"attempt_id":"x","error":"no"}]}`, `{"Executed":[]}`, `{"executed":{"attempt_id":"x"}}`,
		"{\"customer_names\":[\"\xff\"]}", `{"steam_ids":["a\"b"]}`, `{"steam_ids":[]`, `{"steam_ids":[],"steam_ids":["x"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { agreesWithEncodingJSON[pollRequest](t, b) })
}
