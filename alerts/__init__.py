"""Job alerts: a saved search e-mailed to an address (double opt-in, no account), matched at
send time through the job search, each job sent once per alert. alerts may import jobs,
directory, mail and core (alerts -> jobs -> directory -> mail -> core); nothing imports
alerts but app and cli."""
