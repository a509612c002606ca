// Package demo seeds a store with the customers the admin UI's demo and
// tests show: a banned customer, an IP range ban, active and expired items,
// a permanent item that cannot be revoked, a failed command, refunded and
// charged-back orders, active and canceled subscriptions, and metadata.
package demo
