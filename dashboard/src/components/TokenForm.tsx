import { useId, useState } from 'react'

export interface TokenFormProps {
  rejected: boolean // a token was sent and the service refused it
  onSubmit: (token: string) => void
}

// Shown when the API answers 401: the service runs with --token-file.
export function TokenForm({ rejected, onSubmit }: TokenFormProps) {
  const id = useId()
  const [token, setTokenText] = useState('')
  return (
    <form
      className="banner banner-token"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault()
        if (token.trim()) onSubmit(token.trim())
      }}
    >
      <p id={`${id}-title`} role="alert">
        {rejected
          ? 'The fleet service refused the bearer token. Enter the token from its --token-file.'
          : 'This fleet service requires a bearer token (its --token-file).'}
      </p>
      <label htmlFor={`${id}-token`}>Bearer token</label>{' '}
      <input
        id={`${id}-token`}
        type="password"
        autoComplete="off"
        value={token}
        onChange={(e) => setTokenText(e.target.value)}
      />{' '}
      <button type="submit" className="button">
        Use token
      </button>
      <span className="hint"> Kept for this browser tab only.</span>
    </form>
  )
}
