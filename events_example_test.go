package playerbase_test

import (
	"context"
	"fmt"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage/memory"
)

// Every change appends an event in its own transaction, with who made it:
// a follower reads the feed from its cursor.
func ExampleClient_EventList() {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	defer func() { _ = pb.Close() }()

	staff := playerbase.WithActor(ctx, "admin:alice")
	ban, err := pb.BanCreate(staff, playerbase.BanCreateParams{
		Reason: "x-ray", Identities: []bans.Identity{{Type: bans.Name, Value: "Griefer"}},
	})
	if err != nil {
		panic(err)
	}
	if _, err := pb.BanRemove(ctx, ban.ID, playerbase.BanRemoveParams{}); err != nil {
		panic(err)
	}

	page, err := pb.EventList(ctx, playerbase.EventListParams{Types: []events.Type{events.BanCreated, events.BanRemoved}})
	if err != nil {
		panic(err)
	}
	for _, e := range page.Events {
		fmt.Println(e.Type, "by", e.Actor, "changed", e.Changes.Fields())
	}
	// Output:
	// ban.created by admin:alice changed [created_at created_by id identities reason removed_by updated_at updated_by]
	// ban.removed by system changed [removed_at removed_by updated_at updated_by]
}
