package webhook_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/webhook"
)

// A receiver verifies each request against the body exactly as it came,
// before decoding it, and answers 401 to anything that does not verify.
func ExampleVerify() {
	secret := webhook.NewSecret()
	hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header, body); err != nil {
			var sig *webhook.SignatureError
			fmt.Println("refused:", errors.As(err, &sig), errors.Is(err, webhook.ErrUnverified))
			http.Error(w, "unverified", http.StatusUnauthorized)
			return
		}
		var ev events.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		fmt.Println("verified:", ev.Type, ev.Subject)
	})

	// What the relay sends: an event, signed with the endpoint's secret.
	body := `{"seq":1,"id":"evt_01JCK3Q0S1T2V3W4X5Y6Z7A8B9","type":"ban.created","time":"2026-12-01T10:00:00Z","actor":"admin:alice","subject":"ban_01JCK3Q0S1T2V3W4X5Y6Z7A8B9","changes":{}}`
	send := func(signed, sent string) int {
		s, _ := webhook.ParseSecret(secret)
		now := time.Now()
		req := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(sent))
		req.Header.Set(webhook.HeaderID, "evt_01JCK3Q0S1T2V3W4X5Y6Z7A8B9")
		req.Header.Set(webhook.HeaderTimestamp, fmt.Sprint(now.Unix()))
		req.Header.Set(webhook.HeaderSignature, s.Sign("evt_01JCK3Q0S1T2V3W4X5Y6Z7A8B9", now, []byte(signed)))
		rec := httptest.NewRecorder()
		hook.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println(send(body, body))
	// The same request, its body changed on the way.
	fmt.Println(send(body, strings.Replace(body, "admin:alice", "admin:mallory", 1)))
	// Output:
	// verified: ban.created ban_01JCK3Q0S1T2V3W4X5Y6Z7A8B9
	// 200
	// refused: true true
	// 401
}

// The spec's published test vector, verified at its own time.
func ExampleVerifier() {
	h := http.Header{}
	h.Set(webhook.HeaderID, "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set(webhook.HeaderTimestamp, "1614265330")
	h.Set(webhook.HeaderSignature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	v := webhook.Verifier{
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		Now:    func() time.Time { return time.Unix(1614265330, 0).Add(time.Minute) },
	}
	fmt.Println(v.Verify(h, []byte(`{"test": 2432232314}`)))
	v.Now = func() time.Time { return time.Unix(1614265330, 0).Add(time.Hour) }
	fmt.Println(v.Verify(h, []byte(`{"test": 2432232314}`)))
	// Output:
	// <nil>
	// webhook: timestamp 2021-02-25T15:02:10Z is 1h0m0s from now, more than the tolerance of 5m0s
}
