"""Extensions that run inside the Rasa server (not the action server).

Rasa imports these by module path from credentials.yml or endpoints.yml, so the
package stays import-light: no database, model or network work at import time.
"""
