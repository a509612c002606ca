package subscriptions_test

import (
	"fmt"
	"time"

	"github.com/playerbase/playerbase/period"
)

// Monthly billing anchored on January 31st clamps to each month's last day
// but comes back to the 31st.
func ExamplePeriod_AddN() {
	p, _ := period.Parse("monthly")
	anchor := time.Date(2028, 1, 31, 9, 0, 0, 0, time.UTC)
	for n := 1; n <= 3; n++ {
		fmt.Println(p.AddN(anchor, n).Format(time.DateOnly))
	}
	// Output:
	// 2028-02-29
	// 2028-03-31
	// 2028-04-30
}
