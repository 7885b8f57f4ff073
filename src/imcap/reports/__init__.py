"""Country profile reports (HTML and PDF) and the profile data the web pages share."""
