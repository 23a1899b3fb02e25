"""What happens after a helper is confirmed: giving the seat back, reporting hours, approval."""
