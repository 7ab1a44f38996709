"""In-app help: the guide (Help › Guide), keyboard shortcuts and the form fields' tooltips."""
