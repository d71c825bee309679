"""Each step of Toby's loop as a plain function over the database: what the assets call."""
